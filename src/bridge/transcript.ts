/** Turns the Gateway's transcript payloads (session.message, chat.history rows) into plain rows. */

export type TranscriptRole = "user" | "assistant" | "system" | "tool";

export interface TranscriptMessage {
  gatewayMessageId: string;
  seq?: number;
  role: TranscriptRole;
  text: string;
  timestamp: number;
  idempotencyKey?: string;
  runId?: string;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function normalizeRole(role: unknown): TranscriptRole | undefined {
  switch (role) {
    case "user":
    case "assistant":
    case "system":
      return role;
    case "tool":
    case "toolResult":
    case "tool_result":
      return "tool";
    default:
      return undefined;
  }
}

/** The visible text of a message's content: a string, or the text parts of a part array. */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const parts: string[] = [];
  for (const part of content) {
    if (typeof part === "string") parts.push(part);
    else if (isObject(part) && (part.type === "text" || part.type === "output_text") && typeof part.text === "string") {
      parts.push(part.text);
    }
  }
  return parts.join("");
}

/** The text of a chat event's cumulative `message`, when it carries one. */
export function chatMessageText(message: unknown): string | undefined {
  if (!isObject(message)) return typeof message === "string" ? message : undefined;
  if ("content" in message) return contentText(message.content);
  return str(message.text);
}

/**
 * Accepts either a `session.message` payload (`{sessionKey, message, messageId, messageSeq}`) or a
 * bare transcript message carrying `__openclaw.id`; returns undefined for anything unusable, which the
 * caller logs and skips.
 */
export function normalizeTranscriptMessage(payload: unknown): { sessionKey?: string; message: TranscriptMessage } | undefined {
  if (!isObject(payload)) return undefined;
  const inner = isObject(payload.message) ? payload.message : payload;
  const meta = isObject(inner.__openclaw) ? inner.__openclaw : {};
  const gatewayMessageId = str(payload.messageId) ?? str(meta.id) ?? str(inner.id);
  const role = normalizeRole(inner.role);
  if (!gatewayMessageId || !role) return undefined;
  const timestamp = num(inner.timestamp) ?? (typeof inner.timestamp === "string" ? Date.parse(inner.timestamp) : NaN);
  const message: TranscriptMessage = {
    gatewayMessageId,
    role,
    text: contentText(inner.content),
    timestamp: Number.isFinite(timestamp) ? timestamp : Date.now(),
  };
  const seq = num(payload.messageSeq) ?? num(meta.seq);
  if (seq !== undefined) message.seq = seq;
  const idempotencyKey = str(inner.idempotencyKey);
  if (idempotencyKey) message.idempotencyKey = idempotencyKey;
  const runId = str(meta.runId) ?? str(inner.runId);
  if (runId) message.runId = runId;
  const sessionKey = str(payload.sessionKey);
  return sessionKey ? { sessionKey, message } : { message };
}
