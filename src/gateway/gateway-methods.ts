/** The Gateway methods the bridge calls: typed parameters, and checks that turn answers into typed results. */
import type { ChatAbortParams, ChatHistoryParams, SessionRow, SessionsListParams, validateChatSendParams } from "@openclaw/gateway-protocol";
import { num, str } from "../json-values.js";
import { GatewayProtocolError } from "./gateway-errors.js";
import { isRecord, parseTranscriptMessage, transcriptEntry, type Rec, type TranscriptEntry, type TranscriptMessage } from "./gateway-events.js";

type Guarded<V> = V extends (data: unknown) => data is infer T ? T : never;

/** The protocol's full chat.send parameter type (strict schema on the Gateway). */
export type ChatSendParams = Guarded<typeof validateChatSendParams>;

/** chat.send as the bridge calls it: the idempotency key is required so a resend never duplicates. */
export type ChatSendRequest = Pick<ChatSendParams, "sessionKey" | "message" | "idempotencyKey"> &
  Partial<Omit<ChatSendParams, "sessionKey" | "message" | "idempotencyKey">>;

/** `status` is "started" for a new run, "ok" when that key already ran (no new run, no duplicate row). */
export interface ChatSendAck {
  runId: string;
  status: string;
  messageSeq: number | undefined;
}

export type ChatAbortRequest = Pick<ChatAbortParams, "sessionKey"> & Partial<Omit<ChatAbortParams, "sessionKey">>;

export interface ChatAbortResult {
  ok: boolean;
  aborted: boolean;
  runIds: string[];
}

export type ChatHistoryRequest = Pick<ChatHistoryParams, "sessionKey"> &
  Partial<Pick<ChatHistoryParams, "cursor" | "limit" | "agentId" | "maxChars">>;

/** chat.message.get: one transcript message by id, without chat.history's 8,000-character display cut. */
export interface ChatMessageGetRequest {
  sessionKey: string;
  messageId: string;
  /** Characters of text wanted at most (the Gateway's default is far more). */
  maxChars?: number;
}

/** The message, or why the Gateway can't give it (`not_found`, `not_visible`, `oversized`). */
export type ChatMessageGetResult = { ok: true; message: TranscriptMessage } | { ok: false; unavailableReason: string };

/**
 * - `delta`: with a cursor, exactly the rows appended since it (same shape as session.message).
 * - `reset`: the cursor is stale; fetch a page without cursor.
 * - `page`: the latest rows (up to `limit`), plus a cursor for the next catch-up.
 */
export type ChatHistoryResult =
  | { kind: "delta"; entries: TranscriptEntry[]; deltaCursor: string }
  | { kind: "reset" }
  | {
      kind: "page";
      sessionKey: string;
      sessionId: string | undefined;
      entries: TranscriptEntry[];
      deltaCursor: string | undefined;
      hasMore: boolean;
      totalMessages: number | undefined;
    };

export interface SessionsListResult {
  sessions: SessionRow[];
  totalCount: number | undefined;
  hasMore: boolean;
  nextOffset: number | undefined;
}

export type { SessionsListParams };


function expectRecord(method: string, payload: unknown): Rec {
  if (!isRecord(payload)) throw new GatewayProtocolError(`${method}: answer is not an object`);
  return payload;
}

export function parseChatSendAck(payload: unknown): ChatSendAck {
  const p = expectRecord("chat.send", payload);
  if (typeof p.runId !== "string" || typeof p.status !== "string") {
    throw new GatewayProtocolError("chat.send: answer lacks runId/status");
  }
  return { runId: p.runId, status: p.status, messageSeq: num(p.messageSeq) };
}

export function parseChatAbortResult(payload: unknown): ChatAbortResult {
  const p = expectRecord("chat.abort", payload);
  const runIds = Array.isArray(p.runIds) ? p.runIds.filter((r): r is string => typeof r === "string") : [];
  return { ok: p.ok === true, aborted: p.aborted === true, runIds };
}

/** Parses a chat.history answer; rows that are not transcript rows are skipped and counted. */
export function parseChatHistoryResult(
  payload: unknown,
  requestedKey: string,
  onSkipped: (count: number) => void = () => {},
): ChatHistoryResult {
  const p = expectRecord("chat.history", payload);
  if (p.kind === "reset") return { kind: "reset" };
  if (!Array.isArray(p.messages)) throw new GatewayProtocolError("chat.history: answer lacks messages");
  let skipped = 0;
  const entries: TranscriptEntry[] = [];
  if (p.kind === "delta") {
    if (typeof p.deltaCursor !== "string") throw new GatewayProtocolError("chat.history: delta lacks deltaCursor");
    for (const item of p.messages) {
      // Delta rows are session.message envelopes: {sessionKey, message, messageId, messageSeq, …}.
      const message = isRecord(item) ? parseTranscriptMessage(item.message) : undefined;
      if (!isRecord(item) || !message) {
        skipped += 1;
        continue;
      }
      entries.push(transcriptEntry(str(item.sessionKey) ?? requestedKey, message, item));
    }
    if (skipped > 0) onSkipped(skipped);
    return { kind: "delta", entries, deltaCursor: p.deltaCursor };
  }
  // A page holds bare rows; the canonical key is in sessionInfo (the echo is the key as requested).
  const sessionKey = (isRecord(p.sessionInfo) ? str(p.sessionInfo.key) : undefined) ?? str(p.sessionKey) ?? requestedKey;
  for (const item of p.messages) {
    const message = parseTranscriptMessage(item);
    if (!message) {
      skipped += 1;
      continue;
    }
    entries.push(transcriptEntry(sessionKey, message));
  }
  if (skipped > 0) onSkipped(skipped);
  return {
    kind: "page",
    sessionKey,
    sessionId: str(p.sessionId),
    entries,
    deltaCursor: str(p.deltaCursor),
    hasMore: p.hasMore === true,
    totalMessages: num(p.totalMessages),
  };
}

export function parseSessionsListResult(payload: unknown, onSkipped: (count: number) => void = () => {}): SessionsListResult {
  const p = expectRecord("sessions.list", payload);
  if (!Array.isArray(p.sessions)) throw new GatewayProtocolError("sessions.list: answer lacks sessions");
  const sessions = p.sessions.filter((row): row is SessionRow => isRecord(row) && typeof row.key === "string");
  if (sessions.length < p.sessions.length) onSkipped(p.sessions.length - sessions.length);
  return {
    sessions,
    totalCount: num(p.totalCount),
    hasMore: p.hasMore === true,
    nextOffset: num(p.nextOffset),
  };
}

export function parseChatMessageGetResult(payload: unknown): ChatMessageGetResult {
  const p = expectRecord("chat.message.get", payload);
  if (p.ok !== true) return { ok: false, unavailableReason: str(p.unavailableReason) ?? "unavailable" };
  const message = parseTranscriptMessage(p.message);
  if (!message) throw new GatewayProtocolError("chat.message.get: answer lacks a transcript message");
  return { ok: true, message };
}
