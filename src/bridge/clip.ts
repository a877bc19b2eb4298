/** Fits gateway-supplied text into the backend's limits, so one oversized message can't block a batch. */
import {
  MAX_MODEL_CHARS,
  MAX_PREVIEW_CHARS,
  MAX_REASON_CHARS,
  MAX_SESSION_STATUS_CHARS,
  MAX_TEXT_BYTES,
  MAX_TITLE_CHARS,
  MAX_VERSION_CHARS,
} from "../../convex/lib/limits.js";

export const LIMITS = {
  textBytes: MAX_TEXT_BYTES,
  reason: MAX_REASON_CHARS,
  title: MAX_TITLE_CHARS,
  preview: MAX_PREVIEW_CHARS,
  model: MAX_MODEL_CHARS,
  status: MAX_SESSION_STATUS_CHARS,
  version: MAX_VERSION_CHARS,
} as const;

const MARKER = "\n…[truncated by fastclaw-relay]";

/** Cuts `text` to at most `maxBytes` UTF-8 bytes (on a character boundary), marking the cut. */
export function clipBytes(text: string, maxBytes: number = MAX_TEXT_BYTES): string {
  if (Buffer.byteLength(text, "utf8") <= maxBytes) return text;
  const budget = maxBytes - Buffer.byteLength(MARKER, "utf8");
  const bytes = Buffer.from(text, "utf8").subarray(0, budget);
  // Dropping a partial trailing character: decoding would otherwise end in U+FFFD.
  let decoded = bytes.toString("utf8");
  if (decoded.endsWith("\uFFFD")) decoded = decoded.slice(0, -1);
  return decoded + MARKER;
}

export function clipChars(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, Math.max(0, maxChars - 1))}…`;
}
