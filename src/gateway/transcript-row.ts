/** A Gateway transcript row in the flat form the bridge hands to Convex: parsed here, once, on the Gateway side. */
import { transcriptText, type TranscriptEntry, type TranscriptMessage } from "./gateway-events.js";
import { transcriptMedia, type TranscriptMedia } from "./transcript-media.js";

export type TranscriptRole = "user" | "assistant" | "system" | "tool";

export interface TranscriptRow {
  gatewayMessageId: string;
  seq?: number;
  role: TranscriptRole;
  text: string;
  timestamp: number;
  idempotencyKey?: string;
  runId?: string;
  /** When the Gateway appended it to the transcript: the session's order in the app. */
  recordedAt?: number;
  /** The Gateway cut `text` (its 8,000-character display cap) and the whole of it couldn't be had. */
  gatewayTruncated?: boolean;
  /**
   * Files of the row the relay can fetch and store for the app (`artifact`, `inline`, or `pending` until the
   * Gateway has stored them); a user's own uploads and failed deliveries are left out. Not sent to Convex as such.
   */
  media?: TranscriptMedia[];
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

/**
 * A Gateway transcript entry in the flat form the backend ingests; undefined for rows without a
 * stable id or with a role we don't mirror (logged and skipped by the caller).
 */
export function toTranscriptRow(entry: TranscriptEntry): TranscriptRow | undefined {
  const role = normalizeRole(entry.message.role);
  if (!entry.messageId || !role) return undefined;
  const { message } = entry;
  const timestamp = typeof message.timestamp === "number" && Number.isFinite(message.timestamp) ? message.timestamp : Date.now();
  const row: TranscriptRow = { gatewayMessageId: entry.messageId, role, text: transcriptText(message), timestamp };
  if (entry.messageSeq !== undefined) row.seq = entry.messageSeq;
  const idempotencyKey = message.idempotencyKey ?? message.__openclaw?.idempotencyKey;
  if (typeof idempotencyKey === "string" && idempotencyKey.length > 0) row.idempotencyKey = idempotencyKey;
  if (entry.runId) row.runId = entry.runId;
  if (entry.recordedAt !== undefined) row.recordedAt = entry.recordedAt;
  if (entry.truncated) row.gatewayTruncated = true;
  const media = mirroredMedia(message);
  if (media.length > 0) row.media = media;
  return row;
}

/** The files of a transcript message the relay brings to the app: those it can fetch now or later. */
export function mirroredMedia(message: TranscriptMessage): TranscriptMedia[] {
  return transcriptMedia(message).filter((m) => m.source === "artifact" || m.source === "inline" || m.source === "pending");
}
