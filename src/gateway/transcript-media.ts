/** The files a transcript row carries (uploaded by a user or delivered with a reply), as plain data, and where their bytes are. */
import { isRecord, nonEmptyStr, num, str } from "../json-values.js";
import type { TranscriptMessage } from "./gateway-events.js";

export type MediaKind = "image" | "audio" | "video" | "document";

interface MediaFacts {
  kind: MediaKind;
  mimeType: string | undefined;
  fileName: string | undefined;
  sizeBytes: number | undefined;
}

/**
 * One file of a transcript row, by where its bytes are:
 * - `artifact`: a managed file of a reply; fetch it with `artifacts.download` (GatewayConnection.downloadMedia).
 * - `inline`: the bytes are in the row itself (older image blocks), base64.
 * - `upload`: a file a user sent with chat.send, kept by the Gateway under `media://inbound/…`. The
 *   operator API offers no download for these: the sender has the bytes (the relay, for the app's own).
 * - `failed`: the Gateway could not deliver it (`attachment_error`: file-not-found, unsupported-format, delivery-failed).
 * - `pending`: a standalone `MEDIA:` line in a row as first appended (session.message): the Gateway
 *   prepares the file after the append and rewrites the row; read the row again (chat.history) to see
 *   it as `artifact` or `failed`. Only the raw reference is known.
 */
export type TranscriptMedia =
  | (MediaFacts & { source: "artifact"; artifactId: string })
  | (MediaFacts & { source: "inline"; base64: string })
  | (MediaFacts & { source: "upload"; mediaUrl: string })
  | (MediaFacts & { source: "failed"; code: string })
  | { source: "pending"; reference: string };

const KINDS: ReadonlySet<string> = new Set(["image", "audio", "video", "document"]);

function mediaKind(value: unknown, mimeType: string | undefined): MediaKind {
  if (typeof value === "string" && KINDS.has(value)) return value as MediaKind;
  const top = mimeType?.split("/")[0];
  return top === "image" || top === "audio" || top === "video" ? top : "document";
}

/** A content block of the transcript's array form (assistant rows), or undefined when it holds no file. */
function blockMedia(block: Record<string, unknown>): TranscriptMedia | undefined {
  const type = block.type;
  if (type === "image" || type === "audio" || type === "video") {
    const mimeType = str(block.mimeType) ?? str(block.media_type);
    const facts: MediaFacts = {
      kind: type,
      mimeType,
      fileName: nonEmptyStr(block.fileName) ?? nonEmptyStr(block.alt),
      sizeBytes: num(block.sizeBytes),
    };
    const artifactId = nonEmptyStr(block.artifactId);
    if (artifactId) return { ...facts, source: "artifact", artifactId };
    const data = nonEmptyStr(block.data);
    if (data) return { ...facts, source: "inline", base64: data };
    return undefined;
  }
  if ((type === "attachment" || type === "attachment_error") && isRecord(block.attachment)) {
    const a = block.attachment;
    const mimeType = str(a.mimeType);
    const facts: MediaFacts = { kind: mediaKind(a.kind, mimeType), mimeType, fileName: nonEmptyStr(a.label), sizeBytes: num(a.sizeBytes) };
    if (type === "attachment_error") return { ...facts, source: "failed", code: str(a.code) ?? "delivery-failed" };
    const artifactId = nonEmptyStr(a.artifactId);
    return artifactId ? { ...facts, source: "artifact", artifactId } : undefined;
  }
  return undefined;
}

/** A file a user sent, as the Gateway records it on the user row (`__openclaw.media`). */
function uploadMedia(fact: unknown): TranscriptMedia | undefined {
  if (!isRecord(fact)) return undefined;
  const mediaUrl = nonEmptyStr(fact.url);
  if (!mediaUrl) return undefined;
  const mimeType = str(fact.contentType);
  return { source: "upload", mediaUrl, kind: mediaKind(fact.kind, mimeType), mimeType, fileName: nonEmptyStr(fact.fileName), sizeBytes: num(fact.sizeBytes) };
}

/**
 * The `MEDIA:` references of a text as OpenClaw reads them: a line whose text, after at most three
 * spaces, starts with `MEDIA:`, outside fenced code; a double-quoted reference keeps its punctuation.
 */
export function mediaLineReferences(text: string): string[] {
  const references: string[] = [];
  let fenced = false;
  for (const line of text.split("\n")) {
    if (/^ {0,3}(```|~~~)/.test(line)) {
      fenced = !fenced;
      continue;
    }
    if (fenced) continue;
    const match = /^ {0,3}MEDIA:\s*(.+?)\s*$/.exec(line);
    if (!match) continue;
    const reference = match[1]!.replace(/^"(.*)"$/, "$1");
    if (reference) references.push(reference);
  }
  return references;
}

/** Every file a transcript row carries, in order: uploads, content blocks, then references still pending. */
export function transcriptMedia(message: TranscriptMessage): TranscriptMedia[] {
  const media: TranscriptMedia[] = [];
  const meta = isRecord(message.__openclaw) ? message.__openclaw : {};
  if (Array.isArray(meta.media)) {
    for (const fact of meta.media) {
      const upload = uploadMedia(fact);
      if (upload) media.push(upload);
    }
  }
  const { content } = message;
  const blocks = Array.isArray(content) ? content.filter(isRecord) : [];
  for (const block of blocks) {
    const found = blockMedia(block);
    if (found) media.push(found);
  }
  // Only assistant text is turned into attachments; a user who types "MEDIA:" just wrote text.
  if (message.role === "assistant") {
    for (const block of blocks) {
      if (block.type !== "text" || typeof block.text !== "string") continue;
      for (const reference of mediaLineReferences(block.text)) media.push({ source: "pending", reference });
    }
  }
  return media;
}

/** True when the row still has `MEDIA:` lines the Gateway has not turned into files yet. */
export function hasPendingMedia(message: TranscriptMessage): boolean {
  return transcriptMedia(message).some((m) => m.source === "pending");
}
