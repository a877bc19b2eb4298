/** Fits the Gateway connection (src/gateway) to the bridge's port and event sink. */
import type { SessionRow } from "@openclaw/gateway-protocol";
import { gatewayFailureOf, transcriptText, type GatewayConnection, type TranscriptEntry } from "../gateway/index.js";
import type { Logger } from "../logging/logger.js";
import type { ChatSendResult, FullText, GatewayEventSink, GatewayPort, GatewaySessionInfo, HistoryResult, OutgoingAttachment } from "./ports.js";
import { toChatUpdate } from "../gateway/chat-update.js";
import { toTranscriptRow, type TranscriptRow } from "../gateway/transcript-row.js";

/** Sessions fetched per sessions.list call, and the most the relay mirrors. */
const SESSIONS_PAGE = 200;
const SESSIONS_MAX = 2000;

export class GatewayAdapter implements GatewayPort {
  private readonly detachers: Array<() => void> = [];

  constructor(
    private readonly connection: GatewayConnection,
    private readonly logger: Logger,
  ) {}

  /** Routes the connection's events to the bridge; bad payloads were already dropped by the parsers. */
  attach(sink: GatewayEventSink): void {
    const c = this.connection;
    this.detachers.push(
      c.on("connected", (hello) => sink.connected({ serverVersion: hello.serverVersion, protocol: hello.protocol, scopes: hello.scopes, attachmentPolicy: hello.attachmentPolicy })),
      c.on("disconnected", (info) => sink.disconnected({ ...(info.code ? { code: info.code } : {}), message: info.reason })),
      c.on("auth-failed", (info) => sink.disconnected({ code: info.code, message: info.message })),
      c.on("chat", (event) => sink.chat(toChatUpdate(event))),
      c.on("session.message", (event) => {
        const row = this.toRow(event);
        if (row) sink.sessionMessage(event.sessionKey, row);
      }),
      c.on("sessions.changed", () => sink.sessionsChanged()),
    );
  }

  detach(): void {
    for (const detach of this.detachers.splice(0)) detach();
  }

  isConnected(): boolean {
    return this.connection.state === "connected";
  }

  async chatSend(params: { sessionKey: string; message: string; idempotencyKey: string; attachments?: readonly OutgoingAttachment[] }): Promise<ChatSendResult> {
    const { attachments, ...request } = params;
    try {
      const ack = await this.connection.chatSend(attachments && attachments.length > 0 ? { ...request, files: attachments } : request);
      return { ok: true, runId: ack.runId, status: ack.status };
    } catch (error) {
      return { ok: false, failure: gatewayFailureOf(error) };
    }
  }

  async chatAbort(params: { sessionKey: string; runId?: string }): Promise<void> {
    await this.connection.chatAbort(params);
  }

  async chatHistory(params: { sessionKey: string; cursor?: string; limit?: number }): Promise<HistoryResult> {
    const result = await this.connection.chatHistory(params);
    if (result.kind === "reset") return result;
    const messages = this.toRows(result.entries);
    if (result.kind === "delta") return { kind: "delta", messages, deltaCursor: result.deltaCursor };
    return result.deltaCursor ? { kind: "page", messages, deltaCursor: result.deltaCursor } : { kind: "page", messages };
  }

  async fullMessageText(params: { sessionKey: string; messageId: string; maxChars: number }): Promise<FullText> {
    try {
      const result = await this.connection.chatMessageGet(params);
      return result.ok ? { kind: "full", text: transcriptText(result.message) } : { kind: "unavailable", reason: result.unavailableReason };
    } catch (error) {
      // A Gateway that refuses the request for good (an older one without chat.message.get), or answers
      // something that isn't a message, won't give the text on a retry either; anything about the
      // connection is the caller's to retry.
      const failure = gatewayFailureOf(error);
      if (failure.kind === "rejected") return { kind: "unavailable", reason: failure.reason };
      throw error;
    }
  }

  async sessionsList(): Promise<GatewaySessionInfo[]> {
    const sessions: GatewaySessionInfo[] = [];
    let offset = 0;
    for (;;) {
      const page = await this.connection.sessionsList({ limit: SESSIONS_PAGE, offset, includeLastMessage: true, includeDerivedTitles: true });
      sessions.push(...page.sessions.map(toSessionInfo));
      if (!page.hasMore || page.sessions.length === 0 || sessions.length >= SESSIONS_MAX) return sessions;
      offset = page.nextOffset ?? offset + page.sessions.length;
    }
  }

  private toRows(entries: TranscriptEntry[]): TranscriptRow[] {
    const rows: TranscriptRow[] = [];
    for (const entry of entries) {
      const row = this.toRow(entry);
      if (row) rows.push(row);
    }
    return rows;
  }

  private toRow(entry: TranscriptEntry): TranscriptRow | undefined {
    const row = toTranscriptRow(entry);
    if (!row) this.logger.debug("skipped a transcript row without id or with an unknown role", { sessionKey: entry.sessionKey });
    return row;
  }
}

function toSessionInfo(row: SessionRow): GatewaySessionInfo {
  const info: GatewaySessionInfo = { sessionKey: row.key, updatedAt: typeof row.updatedAt === "number" ? row.updatedAt : 0 };
  const title = row.displayName ?? row.derivedTitle ?? row.label;
  if (title) info.title = title;
  if (row.lastMessagePreview) info.lastMessagePreview = row.lastMessagePreview;
  if (row.status) info.status = row.status;
  // hasActiveRun rides along on list rows but is not in the v4 SessionRow schema.
  const hasActiveRun = (row as { hasActiveRun?: unknown }).hasActiveRun;
  if (typeof hasActiveRun === "boolean") info.hasActiveRun = hasActiveRun;
  if (typeof row.model === "string") info.model = row.model;
  return info;
}
