/** What the bridge needs from each side, as narrow interfaces: the real ones and test doubles both fit. */
import type { RelayArgs, RelayMutation, RelayQuery, RelayResult } from "../convex-sync/relay-api.js";
import type { ChatUpdate } from "../gateway/chat-update.js";
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

/** How a failed gateway request should be treated by the bridge. */
export type FailureKind =
  /** Not connected, timed out, or retryable: keep the message queued and try again later. */
  | "transient"
  /** The gateway refused this request for good: mark the message failed with the reason. */
  | "rejected";

export interface GatewayPort {
  isConnected(): boolean;
  chatSend(params: { sessionKey: string; message: string; idempotencyKey: string }): Promise<{ runId: string; status: string }>;
  chatAbort(params: { sessionKey: string; runId?: string }): Promise<void>;
  /** With `cursor`: catch-up (delta or reset). Without: the newest `limit` messages. */
  chatHistory(params: { sessionKey: string; cursor?: string; limit?: number }): Promise<HistoryResult>;
  /**
   * One transcript message's whole text (up to `maxChars`), for copies the Gateway cut; `unavailable`
   * when the Gateway answers that it can't give it (or doesn't know the method). Connection trouble throws.
   */
  fullMessageText(params: { sessionKey: string; messageId: string; maxChars: number }): Promise<FullText>;
  sessionsList(): Promise<GatewaySessionInfo[]>;
  classifyError(error: unknown): { kind: FailureKind; code?: string; reason: string };
}

/** Events the Gateway side delivers to the bridge. */
export interface GatewayEventSink {
  connected(info: { serverVersion?: string; protocol?: number; scopes?: string[] }): void;
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
