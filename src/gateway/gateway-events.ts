/** The Gateway events the bridge consumes: their types and the checks that turn untrusted payloads into them. */
import type { ChatEvent, HelloOk, SessionRow, ShutdownEvent } from "@openclaw/gateway-protocol";
import { isRecord, num, str } from "../json-values.js";
import { attachmentPolicyFromHello, type AttachmentPolicy } from "./chat-attachments.js";

export type { ChatEvent, SessionRow, ShutdownEvent };

/** One transcript row as the Gateway stores it. User content is a string, assistant content an array of parts. */
export interface TranscriptMessage {
  role: string;
  content: unknown;
  timestamp?: number;
  /** `<runId>:user` on rows written for a chat.send: how the relay recognises its own sends. */
  idempotencyKey?: string;
  stopReason?: string;
  __openclaw?: { id?: string; seq?: number; runId?: string; idempotencyKey?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** A transcript row with its stable identity, from a `session.message` event or a `chat.history` answer. */
export interface TranscriptEntry {
  /** Canonical key, e.g. `agent:main:main`. */
  sessionKey: string;
  /** Stable row id (`messageId`, else `__openclaw.id`). */
  messageId: string | undefined;
  /** One-based transcript position (`messageSeq`, else `__openclaw.seq`). */
  messageSeq: number | undefined;
  /** The run that wrote it, when known. */
  runId: string | undefined;
  /** When the Gateway appended it to the transcript (`__openclaw.recordTimestampMs`); follows the transcript's order. */
  recordedAt: number | undefined;
  /**
   * The Gateway cut this copy's text for display (`__openclaw.truncated`: chat.history and
   * session.message keep 8,000 characters and append `...(truncated)...`); chat.message.get has it whole.
   */
  truncated: boolean;
  message: TranscriptMessage;
}

/** `session.message`: every transcript append in every session (after sessions.subscribe). */
export interface SessionMessageEvent extends TranscriptEntry {
  agentId: string | undefined;
  /** The session's row after the append, as sent (not deeply validated). */
  session: SessionRow | undefined;
}

/** `sessions.changed`: a session's index row or metadata changed; keyless means "refresh the list". */
export interface SessionsChangedEvent {
  sessionKey: string | undefined;
  agentId: string | undefined;
  reason: string | undefined;
  phase: string | undefined;
  runId: string | undefined;
  ts: number | undefined;
  session: SessionRow | undefined;
}

/** What a successful handshake told us, for logs, runtime.json and the bridge. */
export interface GatewayHelloInfo {
  url: string;
  deviceId: string;
  protocol: number;
  serverVersion: string;
  connId: string;
  role: string;
  scopes: string[];
  tickIntervalMs: number;
  maxPayload: number;
  /** policy.attachments and policy.maxPayload: what chat.send files are checked against on this connection. */
  attachmentPolicy: AttachmentPolicy;
  methods: string[];
  events: string[];
  raw: HelloOk;
}

export type Rec = Record<string, unknown>;

export { isRecord };

const CHAT_STATES = new Set(["status", "delta", "final", "aborted", "error"]);

/** A `chat` event payload, or undefined when it doesn't have the fields the protocol requires. */
export function parseChatEvent(payload: unknown): ChatEvent | undefined {
  if (!isRecord(payload)) return undefined;
  const { state, runId, sessionKey, seq } = payload;
  if (typeof state !== "string" || !CHAT_STATES.has(state)) return undefined;
  if (typeof runId !== "string" || typeof sessionKey !== "string" || num(seq) === undefined) return undefined;
  if (state === "delta" && typeof payload.deltaText !== "string") return undefined;
  if (state === "status" && typeof payload.phase !== "string") return undefined;
  // Checked above: the discriminant and the fields every variant requires; the rest is additive.
  return payload as unknown as ChatEvent;
}

export function parseTranscriptMessage(value: unknown): TranscriptMessage | undefined {
  if (!isRecord(value) || typeof value.role !== "string" || !("content" in value)) return undefined;
  return value as TranscriptMessage;
}

function sessionRow(value: unknown): SessionRow | undefined {
  // Rows are large and additive; the key is what consumers index by, so that is what we check.
  return isRecord(value) && typeof value.key === "string" ? (value as unknown as SessionRow) : undefined;
}

/** Builds a TranscriptEntry from a row plus whatever envelope fields are present. */
export function transcriptEntry(sessionKey: string, message: TranscriptMessage, envelope: Rec = {}): TranscriptEntry {
  const meta = isRecord(message.__openclaw) ? message.__openclaw : {};
  return {
    sessionKey,
    messageId: str(envelope.messageId) ?? str(meta.id),
    messageSeq: num(envelope.messageSeq) ?? num(meta.seq),
    runId: str(meta.runId) ?? str(envelope.runId),
    recordedAt: num(meta.recordTimestampMs),
    truncated: meta.truncated === true,
    message,
  };
}

export function parseSessionMessageEvent(payload: unknown): SessionMessageEvent | undefined {
  if (!isRecord(payload) || typeof payload.sessionKey !== "string") return undefined;
  const message = parseTranscriptMessage(payload.message);
  if (!message) return undefined;
  return {
    ...transcriptEntry(payload.sessionKey, message, payload),
    agentId: str(payload.agentId),
    session: sessionRow(payload.session),
  };
}

export function parseSessionsChangedEvent(payload: unknown): SessionsChangedEvent | undefined {
  if (!isRecord(payload)) return undefined;
  if (payload.sessionKey !== undefined && typeof payload.sessionKey !== "string") return undefined;
  return {
    sessionKey: str(payload.sessionKey),
    agentId: str(payload.agentId),
    reason: str(payload.reason),
    phase: str(payload.phase),
    runId: str(payload.runId),
    ts: num(payload.ts),
    session: sessionRow(payload.session),
  };
}

export function parseShutdownEvent(payload: unknown): ShutdownEvent | undefined {
  if (!isRecord(payload) || typeof payload.reason !== "string") return undefined;
  const restartExpectedMs = num(payload.restartExpectedMs);
  return restartExpectedMs === undefined ? { reason: payload.reason } : { reason: payload.reason, restartExpectedMs };
}

/** The readable text of a transcript row (string content, or the text parts of an array). */
export function transcriptText(message: TranscriptMessage): string {
  const { content } = message;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part: unknown) => (isRecord(part) && part.type === "text" && typeof part.text === "string" ? part.text : ""))
    .join("");
}

/** Pulls what we keep from hello-ok; undefined when a required field is missing. */
export function helloInfo(hello: HelloOk, url: string, deviceId: string): GatewayHelloInfo | undefined {
  const h: unknown = hello;
  if (!isRecord(h) || !isRecord(h.server) || !isRecord(h.auth) || !isRecord(h.policy)) return undefined;
  const scopes = Array.isArray(h.auth.scopes) ? h.auth.scopes.filter((s): s is string => typeof s === "string") : [];
  const features = isRecord(h.features) ? h.features : {};
  const strings = (value: unknown) => (Array.isArray(value) ? value.filter((s): s is string => typeof s === "string") : []);
  return {
    url,
    deviceId,
    protocol: num(h.protocol) ?? 0,
    serverVersion: str(h.server.version) ?? "unknown",
    connId: str(h.server.connId) ?? "",
    role: str(h.auth.role) ?? "",
    scopes,
    tickIntervalMs: num(h.policy.tickIntervalMs) ?? 30000,
    maxPayload: num(h.policy.maxPayload) ?? 0,
    attachmentPolicy: attachmentPolicyFromHello(hello),
    methods: strings(features.methods),
    events: strings(features.events),
    raw: hello,
  };
}
