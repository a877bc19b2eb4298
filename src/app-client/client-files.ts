/** A paired client's files: check one against the policy, seal and upload it for `app.send`; download and open a stored one. */
// Web Crypto and fetch only (no Node imports): `fastclaw-relay chat` and the web app share this file.
import { isAllowedFileType, isImageType } from "../../convex/lib/file-types.js";
import { FILE_ENVELOPE_OVERHEAD, MAX_FILE_BYTES, MAX_FILE_NAME_CHARS } from "../../convex/lib/limits.js";
import { downloadSealedFile, uploadSealedFile, type FetchPort, type UploadPort } from "../convex-sync/file-transfer.js";
import { toBase64url } from "../e2e/base64url.js";
import { open, seal } from "../e2e/envelope.js";
import { fileContext, fileNameContext, openFile, sealFile } from "../e2e/file-envelope.js";
import type { KeyRing } from "../e2e/key-ring.js";
import { RelayError } from "../relay-error.js";

/** `files.policy`: plaintext limits the Gateway accepts, and how long files are kept. */
export interface FilePolicy {
  maxBytes: number;
  maxImageBytes: number;
  retentionMs: number;
}

/** One entry of `app.send`'s `attachments`. */
export interface AttachmentInput {
  attachmentId: string;
  storageId: string;
  type: string;
  nameEnc?: string;
}

/** A file as `files.list` gives it (`url` is a bearer URL of the ciphertext, null once the bytes are gone). */
export interface StoredFile {
  attachmentId: string;
  type: string;
  nameEnc?: string;
  size: number;
  source: "app" | "gateway";
  createdAt: number;
  expiresAt: number;
  url: string | null;
}

/** A file picked on this side, before sealing. */
export interface LocalFile {
  name: string;
  type: string;
  bytes: Uint8Array;
}

export interface OpenedAttachment {
  attachmentId: string;
  type: string;
  /** The opened name; undefined when the writer gave none or it does not open. */
  name: string | undefined;
  bytes: Uint8Array<ArrayBuffer>;
}

export type AttachmentCode = "EMPTY" | "TOO_LARGE" | "UNSUPPORTED_TYPE" | "UNREADABLE";

export class AttachmentError extends RelayError<AttachmentCode> {
  override readonly name = "AttachmentError";
}

const MIB = 1024 * 1024;
/** Bytes of a stored file a client downloads at most: the largest file Convex accepts, sealed. */
export const MAX_DOWNLOAD_BYTES = MAX_FILE_BYTES + FILE_ENVELOPE_OVERHEAD;

/** What a file's extension says it is, for clients that have only a name (a path on the command line). */
const TYPE_BY_EXTENSION: Readonly<Record<string, string>> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  heic: "image/heic",
  heif: "image/heif",
  pdf: "application/pdf",
  json: "application/json",
  txt: "text/plain",
  md: "text/markdown",
  csv: "text/csv",
  mp3: "audio/mpeg",
  m4a: "audio/mp4",
  ogg: "audio/ogg",
  wav: "audio/wav",
  weba: "audio/webm",
  mp4: "video/mp4",
  webm: "video/webm",
};

export function fileTypeForName(name: string): string | undefined {
  const dot = name.lastIndexOf(".");
  return dot < 0 ? undefined : TYPE_BY_EXTENSION[name.slice(dot + 1).toLowerCase()];
}

/** The extension a saved file gets for its declared type (never one taken from a name Convex or a peer gave). */
export function extensionForType(type: string): string {
  const hit = Object.entries(TYPE_BY_EXTENSION).find(([, t]) => t === type);
  return hit ? hit[0] : "bin";
}

function describeBytes(bytes: number): string {
  return bytes >= MIB ? `${(bytes / MIB).toFixed(1).replace(/\.0$/, "")} MiB` : `${bytes} bytes`;
}

/** Refuses, before anything is uploaded, what Convex would refuse: an empty file, a type it does not take, one too big. */
export function checkAttachment(policy: FilePolicy, file: { name: string; type: string; size: number }): void {
  if (!isAllowedFileType(file.type)) {
    throw new AttachmentError(
      "UNSUPPORTED_TYPE",
      `${file.name}: files of type ${file.type === "" ? "(unknown)" : file.type} cannot be sent`,
      "Images (PNG, JPEG, GIF, WebP, HEIC), PDF, JSON, text, Markdown, CSV, audio and video (MP4, WebM) can.",
    );
  }
  if (file.size === 0) throw new AttachmentError("EMPTY", `${file.name} is empty`);
  const limit = isImageType(file.type) ? policy.maxImageBytes : policy.maxBytes;
  if (file.size > limit) {
    throw new AttachmentError("TOO_LARGE", `${file.name} is ${describeBytes(file.size)}; at most ${describeBytes(limit)} can be sent${isImageType(file.type) ? " as an image" : ""}`);
  }
}

/** 16 random bytes: 22 characters of base64url, within `attachmentId`'s 16..64 of [A-Za-z0-9_-]. */
export function newAttachmentId(): string {
  return toBase64url(globalThis.crypto.getRandomValues(new Uint8Array(16)));
}

/** Seals a checked file and its name for the session `sessionId` and uploads it; the answer goes into `app.send`. */
export async function sealAndUpload(port: UploadPort, keys: KeyRing, sessionId: string, file: LocalFile): Promise<AttachmentInput> {
  const attachmentId = newAttachmentId();
  const sealed = await sealFile(keys.current, fileContext(sessionId, attachmentId), file.bytes);
  const storageId = await uploadSealedFile(port, sealed);
  const name = file.name.slice(0, MAX_FILE_NAME_CHARS);
  const nameEnc = name === "" ? undefined : await seal(keys.current, fileNameContext(sessionId, attachmentId), name);
  return { attachmentId, storageId, type: file.type, ...(nameEnc !== undefined ? { nameEnc } : {}) };
}

/** Downloads one stored file of a message in the session `sessionId` and opens it (and its name). */
export async function downloadAttachment(fetchFile: FetchPort, keys: KeyRing, sessionId: string, file: StoredFile): Promise<OpenedAttachment> {
  if (file.url === null) throw new AttachmentError("UNREADABLE", "the file is no longer stored (deleted with its message, or past the retention period)");
  const sealed = await downloadSealedFile(fetchFile, file.url, MAX_DOWNLOAD_BYTES);
  const opened = await openFile(keys, fileContext(sessionId, file.attachmentId), sealed);
  if (!opened.ok) {
    const why = opened.reason === "unknown-key" ? "it was sealed with a key this device does not hold" : opened.reason === "forged" ? "it does not belong to this message" : "it is damaged";
    throw new AttachmentError("UNREADABLE", `the file cannot be decrypted: ${why}`);
  }
  let name: string | undefined;
  if (file.nameEnc !== undefined) {
    const openedName = await open(keys, [fileNameContext(sessionId, file.attachmentId)], file.nameEnc);
    name = openedName.ok ? openedName.text : undefined;
  }
  return { attachmentId: file.attachmentId, type: file.type, name, bytes: opened.bytes };
}
