/** What the bridge needs from each side, as narrow interfaces: the real ones and test doubles both fit. */
import type { GatewayFailure } from "../gateway/gateway-errors.js";
import type { RelayArgs, RelayMutation, RelayQuery, RelayResult } from "../convex-sync/relay-api.js";
import type { ChatUpdate } from "../gateway/chat-update.js";
import type { AttachmentPolicy, OutgoingAttachment } from "../gateway/chat-attachments.js";
import type { TranscriptRow } from "../gateway/transcript-row.js";

export interface GatewaySessionInfo {
  sessionKey: string;
  title?: string;
  updatedAt: number;
  lastMessagePreview?: string;
  status?: string;
  hasActiveRun?: boolean;
  model?: string;
}

export type HistoryResult =
  | { kind: "delta"; messages: TranscriptRow[]; deltaCursor: string }
  | { kind: "reset" }
  | { kind: "page"; messages: TranscriptRow[]; deltaCursor?: string };

export type FullText = { kind: "full"; text: string } | { kind: "unavailable"; reason: string };

export type { GatewayFailure, GatewayFailureKind } from "../gateway/gateway-errors.js";
export type { OutgoingAttachment } from "../gateway/chat-attachments.js";

/** chat.send's outcome as data: the ack, or the failure as the Gateway side classified it. */
export type ChatSendResult = { ok: true; runId: string; status: string } | { ok: false; failure: GatewayFailure };

/**
 * The Gateway as the bridge uses it. chatSend never rejects; the other methods reject with an error
 * that carries its classified `failure` (read it with gatewayFailureOf).
 */
export interface GatewayPort {
  isConnected(): boolean;
  /**
   * `attachments` are checked against the Gateway's advertised limits before anything is sent: a refusal
   * is `{ok: false, failure: {kind: "rejected", code: "ATTACHMENT_TOO_LARGE" | …, reason}}`.
   */
  chatSend(params: { sessionKey: string; message: string; idempotencyKey: string; attachments?: readonly OutgoingAttachment[] }): Promise<ChatSendResult>;
  chatAbort(params: { sessionKey: string; runId?: string }): Promise<void>;
  /** With `cursor`: catch-up (delta or reset). Without: the newest `limit` messages. */
  chatHistory(params: { sessionKey: string; cursor?: string; limit?: number }): Promise<HistoryResult>;
  /**
   * One transcript message's whole text (up to `maxChars`), for copies the Gateway cut; `unavailable`
   * when the Gateway answers that it can't give it (or doesn't know the method). Connection trouble throws.
   */
  fullMessageText(params: { sessionKey: string; messageId: string; maxChars: number }): Promise<FullText>;
  sessionsList(): Promise<GatewaySessionInfo[]>;
}

export { gatewayFailureOf } from "../gateway/gateway-errors.js";

/** Events the Gateway side delivers to the bridge. */
export interface GatewayEventSink {
  /** `attachmentPolicy`: the connection's advertised file limits (hello-ok), published to Convex. */
  connected(info: { serverVersion?: string; protocol?: number; scopes?: string[]; attachmentPolicy?: AttachmentPolicy }): void;
  disconnected(reason: { code?: string; message: string }): void;
  chat(event: ChatUpdate): void;
  sessionMessage(sessionKey: string, message: TranscriptRow): void;
  sessionsChanged(): void;
}

/** The bridge's view of Convex writes: ordered, and durable once the promise settles. */
export interface ConvexWrites {
  write<F extends RelayMutation>(fn: F, args: RelayArgs<F>, options?: { durable?: boolean }): Promise<void>;
}

/** The Convex side as the bridge uses it; `ConvexLink` is the real one. */
export interface ConvexSide extends ConvexWrites {
  subscribe<Q extends RelayQuery>(query: Q, args: RelayArgs<Q>, onUpdate: (value: RelayResult<Q>) => void, onError: (error: Error) => void): () => void;
}
