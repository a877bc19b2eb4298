/** What the FastClaw phone app does, as a Node client: claim a pairing, send sealed, read and watch rows opened. */
import { randomBytes, randomUUID } from "node:crypto";
import { ConvexClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { openGatewayError, openMessageRow, openSessionRow, sealSend, sessionIdOf, type Openness } from "../e2e/client-rows.js";
import type { KeyRing } from "../e2e/key-ring.js";
import type { FetchPort } from "../convex-sync/file-transfer.js";
import type { AppAgentState, AppCronAction, AppCronJob, AppCronRequest } from "./agent-types.js";
import { checkAttachment, downloadAttachment, sealAndUpload, type AttachmentInput, type FilePolicy, type LocalFile, type OpenedAttachment, type StoredFile } from "./client-files.js";

export interface AppMessage {
  messageId: string;
  sessionKey: string;
  role: "user" | "assistant" | "system" | "tool";
  text: string;
  source: "app" | "gateway";
  status: string;
  createdAt: number;
  updatedAt: number;
  error?: string;
  clientMessageId?: string;
  gatewayMessageId?: string;
  runId?: string;
  /** The Gateway cut this text and would not give the whole of it. */
  gatewayTruncated?: boolean;
  /** Position in the session (listMessages sorts by it). */
  order?: number;
  /** How `text` was read: opened, legacy plaintext (shown marked), or not at all (a placeholder is shown). */
  e2e: Openness;
}

export interface AppSession {
  /** The opened session key (checked against its id). */
  sessionKey: string;
  /** What Convex stores in place of the key. */
  sessionId: string;
  e2e: Openness;
  title?: string;
  updatedAt: number;
  lastMessagePreview?: string;
  hasActiveRun?: boolean;
}

export interface AppStatus {
  instanceName: string;
  relay: { online: boolean; lastSeenAt?: number; version?: string };
  gateway: { connected: boolean; version?: string; error?: string };
  device: { name: string; platform: string };
}

/** Rows as Convex returns them, before opening. */
type SealedMessage = Omit<AppMessage, "e2e">;
type SealedSession = { sessionKey: string; sessionKeyEnc?: string; title?: string; updatedAt: number; lastMessagePreview?: string; hasActiveRun?: boolean };

interface Page<T> {
  page: T[];
  isDone: boolean;
  continueCursor: string;
}

const query = <Args extends Record<string, unknown>, R>(name: string) => makeFunctionReference<"query", Args, R>(name);
const mutation = <Args extends Record<string, unknown>, R>(name: string) => makeFunctionReference<"mutation", Args, R>(name);
const action = <Args extends Record<string, unknown>, R>(name: string) => makeFunctionReference<"action", Args, R>(name);

/** A device token as the app makes it: 32 random bytes, base64url; Convex only ever sees its hash. */
export function newDeviceToken(): string {
  return randomBytes(32).toString("base64url");
}

export class AppClient {
  readonly client: ConvexClient;

  constructor(
    readonly convexUrl: string,
    private readonly deviceToken: string,
    /** The relay's content key(s), from the pairing payload: every text is sealed and opened with them. */
    readonly keys: KeyRing,
    client?: ConvexClient,
    /** Uploads and downloads of sealed files (a test passes its own). */
    private readonly fetchFile: FetchPort = (url, init) => fetch(url, init),
  ) {
    this.client = client ?? new ConvexClient(convexUrl, { unsavedChangesWarning: false });
  }

  /** Claims a pairing token (from the QR code) and returns a client for the new device. */
  static async claim(
    convexUrl: string,
    params: { pairingToken: string; keys: KeyRing; deviceName: string; platform: string; deviceToken?: string },
  ): Promise<{ app: AppClient; instanceName: string; deviceToken: string }> {
    const deviceToken = params.deviceToken ?? newDeviceToken();
    const client = new ConvexClient(convexUrl, { unsavedChangesWarning: false });
    try {
      const result = await client.action(
        action<Record<string, unknown>, { instanceName: string }>("pairing:claim"),
        { pairingToken: params.pairingToken, deviceToken, deviceName: params.deviceName, platform: params.platform },
      );
      return { app: new AppClient(convexUrl, deviceToken, params.keys, client), instanceName: result.instanceName, deviceToken };
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  /** Sends to the (canonical) session key: Convex gets its id, the sealed key and the sealed text. */
  async send(sessionKey: string, text: string, clientMessageId: string = randomUUID(), attachments: readonly AttachmentInput[] = []): Promise<{ messageId: string }> {
    return this.client.mutation(mutation<Record<string, unknown>, { messageId: string }>("app:send"), {
      deviceToken: this.deviceToken,
      ...(await sealSend(this.keys, sessionKey, clientMessageId, text)),
      ...(attachments.length > 0 ? { attachments } : {}),
    });
  }

  filePolicy(): Promise<FilePolicy> {
    return this.client.query(query<Record<string, unknown>, FilePolicy>("files:policy"), { deviceToken: this.deviceToken });
  }

  /** Checks a file against `files.policy` (AttachmentError before any upload), seals and uploads it for `send`. */
  async attachFile(sessionKey: string, file: LocalFile): Promise<AttachmentInput> {
    checkAttachment(await this.filePolicy(), { name: file.name, type: file.type, size: file.bytes.length });
    const uploadUrl = () => this.client.mutation(mutation<Record<string, unknown>, string>("files:generateUploadUrl"), { deviceToken: this.deviceToken });
    return sealAndUpload({ uploadUrl, fetch: this.fetchFile }, this.keys, await sessionIdOf(this.keys, sessionKey), file);
  }

  /** The files of some messages (ids from `listMessages`); messages without files are left out. */
  messageFiles(messageIds: readonly string[]): Promise<Array<{ messageId: string; files: StoredFile[] }>> {
    return this.client.query(query<Record<string, unknown>, Array<{ messageId: string; files: StoredFile[] }>>("files:list"), {
      deviceToken: this.deviceToken,
      messageIds,
    });
  }

  /** Downloads and opens one file of a message in the session `sessionKey`. */
  async openAttachment(sessionKey: string, file: StoredFile): Promise<OpenedAttachment> {
    return downloadAttachment(this.fetchFile, this.keys, await sessionIdOf(this.keys, sessionKey), file);
  }

  requestAbort(messageId: string): Promise<unknown> {
    return this.client.mutation(mutation<Record<string, unknown>, unknown>("app:requestAbort"), {
      deviceToken: this.deviceToken,
      messageId,
    });
  }

  async status(): Promise<AppStatus> {
    return this.openStatus(await this.client.query(query<Record<string, unknown>, AppStatus>("app:status"), { deviceToken: this.deviceToken }));
  }

  private async openStatus(status: AppStatus): Promise<AppStatus> {
    const error = await openGatewayError(this.keys, status.gateway.error);
    return { ...status, gateway: { ...status.gateway, ...(error !== undefined ? { error } : {}) } };
  }

  private openRows(rows: SealedMessage[]): Promise<AppMessage[]> {
    return Promise.all(rows.map((row) => openMessageRow(this.keys, row)));
  }

  async listSessions(numItems = 50): Promise<AppSession[]> {
    const result = await this.client.query(query<Record<string, unknown>, Page<SealedSession>>("app:listSessions"), {
      deviceToken: this.deviceToken,
      paginationOpts: { numItems, cursor: null },
    });
    return Promise.all(result.page.map((row) => openSessionRow(this.keys, row)));
  }

  /** The newest messages of a session, newest first. */
  async listMessages(sessionKey: string, numItems = 100): Promise<AppMessage[]> {
    const result = await this.client.query(query<Record<string, unknown>, Page<SealedMessage>>("app:listMessages"), {
      deviceToken: this.deviceToken,
      sessionKey: await sessionIdOf(this.keys, sessionKey),
      paginationOpts: { numItems, cursor: null },
    });
    return this.openRows(result.page);
  }

  /** Every message of a session, oldest first, following the pages to the end. */
  async allMessages(sessionKey: string): Promise<AppMessage[]> {
    const rows: SealedMessage[] = [];
    const sessionId = await sessionIdOf(this.keys, sessionKey);
    let cursor: string | null = null;
    for (;;) {
      const result: Page<SealedMessage> = await this.client.query(query<Record<string, unknown>, Page<SealedMessage>>("app:listMessages"), {
        deviceToken: this.deviceToken,
        sessionKey: sessionId,
        paginationOpts: { numItems: 100, cursor },
      });
      rows.push(...result.page);
      if (result.isDone) break;
      cursor = result.continueCursor;
    }
    return this.openRows(rows.reverse());
  }

  /** Live view of a session's newest messages (newest first), as the app's chat screen shows it; updates arrive in order. */
  watchMessages(sessionKey: string, onUpdate: (messages: AppMessage[]) => void, numItems = 100): () => void {
    let stopped = false;
    let unsubscribe: (() => void) | undefined;
    let latest = Promise.resolve();
    void sessionIdOf(this.keys, sessionKey).then((sessionId) => {
      if (stopped) return;
      unsubscribe = this.client.onUpdate(
        query<Record<string, unknown>, Page<SealedMessage>>("app:listMessages"),
        { deviceToken: this.deviceToken, sessionKey: sessionId, paginationOpts: { numItems, cursor: null } },
        (result) => {
          latest = latest.then(async () => {
            const rows = await this.openRows(result.page);
            if (!stopped) onUpdate(rows);
          });
        },
      );
    });
    return () => {
      stopped = true;
      unsubscribe?.();
    };
  }

  /** Live status with the Gateway error opened; updates are opened in arrival order, so an older one never lands last. */
  watchStatus(onUpdate: (status: AppStatus) => void, onError?: (error: Error) => void): () => void {
    let latest = Promise.resolve();
    const unsubscribe = this.client.onUpdate(
      query<Record<string, unknown>, AppStatus>("app:status"),
      { deviceToken: this.deviceToken },
      (status) => {
        latest = latest.then(async () => onUpdate(await this.openStatus(status)));
      },
      onError,
    );
    return () => unsubscribe();
  }

  agentState(): Promise<AppAgentState> {
    return this.client.query(query<Record<string, unknown>, AppAgentState>("agent:state"), { deviceToken: this.deviceToken });
  }

  cronJobs(): Promise<AppCronJob[]> {
    return this.client.query(query<Record<string, unknown>, AppCronJob[]>("cron:jobs"), { deviceToken: this.deviceToken });
  }

  /** Asks the relay to run or toggle a job; the same `requestId` again is the same request (it runs once). */
  cronRequest(jobId: string, action: AppCronAction, requestId: string = randomUUID()): Promise<{ requestId: string; status: AppCronRequest["status"] }> {
    return this.client.mutation(mutation<Record<string, unknown>, { requestId: string; status: AppCronRequest["status"] }>("cron:request"), {
      deviceToken: this.deviceToken,
      requestId,
      jobId,
      action,
    });
  }

  cronRequestStatus(requestId: string): Promise<AppCronRequest | null> {
    return this.client.query(query<Record<string, unknown>, AppCronRequest | null>("cron:requestStatus"), { deviceToken: this.deviceToken, requestId });
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
