/** Files sent with chat.send: the Gateway's advertised limits, the check made before sending, and the wire shape. */
import type { HelloOk } from "@openclaw/gateway-protocol";
import { isRecord, num } from "../json-values.js";
import { GatewayError } from "./gateway-errors.js";

/**
 * The ceilings a Gateway advertises in hello-ok (`policy.attachments`, `policy.maxPayload`). They are a
 * connection-time snapshot: read them again after every reconnect. A field an older Gateway leaves out
 * is undefined; the relay's own fallback for it is in ATTACHMENT_LIMITS.
 */
export interface AttachmentPolicy {
  /** Largest decoded size of one file. */
  maxBytes: number | undefined;
  /** Largest decoded size of one image (the Gateway's 6 MB image-hydration cap, or maxBytes when smaller). */
  maxImageBytes: number | undefined;
  /** Largest WebSocket frame the Gateway reads: the whole chat.send request, base64 included. */
  maxPayload: number | undefined;
}

/** The relay's own limits, each in one place. */
export const ATTACHMENT_LIMITS = {
  /** Files per message: the app sends a few photos; more is a bug or abuse, and each costs a full frame. */
  maxCount: 8,
  /** When hello-ok has no maxPayload: the Gateway's built-in MAX_PAYLOAD_BYTES (25 MiB). */
  fallbackMaxPayload: 25 * 1024 * 1024,
  /** Room left in the frame for the request envelope (type, id, method) beyond the params measured. */
  frameEnvelopeBytes: 256,
} as const;

/**
 * Image types the relay sends as images. Others `image/*` (SVG: script; TIFF, BMP: no model takes them
 * inline) are refused, so that the app learns it at once instead of the agent seeing an unreadable file.
 */
export const SUPPORTED_IMAGE_TYPES: ReadonlySet<string> = new Set(["image/png", "image/jpeg", "image/gif", "image/webp", "image/heic", "image/heif"]);

/** One file as the bridge hands it over: the bytes, their declared MIME type, and a name to show. */
export interface OutgoingAttachment {
  bytes: Uint8Array;
  mimeType: string;
  fileName?: string;
}

export type AttachmentRefusalCode = "TOO_MANY" | "EMPTY" | "UNSUPPORTED_TYPE" | "TOO_LARGE" | "PAYLOAD_TOO_LARGE";

export interface AttachmentRefusal {
  code: AttachmentRefusalCode;
  /** Says which file and which limit, in words for the person who sent it. */
  message: string;
  /** The refused file's position, when one file is to blame. */
  index?: number;
}

export type AttachmentCheck = { ok: true } | ({ ok: false } & AttachmentRefusal);

/** chat.send's attachment items as the Gateway reads them (base64 `content`, `mimeType`, `fileName`). */
export interface GatewayChatAttachment {
  type: "image" | "file";
  mimeType: string;
  fileName?: string;
  content: string;
}

/** A chat.send that was not sent because its files break a limit; final, like the Gateway's own refusal. */
export class AttachmentRefusedError extends GatewayError {
  readonly refusal: AttachmentRefusal;
  constructor(refusal: AttachmentRefusal) {
    super(`ATTACHMENT_${refusal.code}`, refusal.message, "rejected");
    this.refusal = refusal;
  }
}

/** policy.attachments and policy.maxPayload from hello-ok; a missing or malformed field is undefined. */
export function attachmentPolicyFromHello(hello: HelloOk | unknown): AttachmentPolicy {
  const policy = isRecord(hello) && isRecord(hello.policy) ? hello.policy : {};
  const attachments = isRecord(policy.attachments) ? policy.attachments : {};
  const positive = (value: unknown) => {
    const n = num(value);
    return n !== undefined && n > 0 ? n : undefined;
  };
  return {
    maxBytes: positive(attachments.maxBytes),
    maxImageBytes: positive(attachments.maxImageBytes),
    maxPayload: positive(policy.maxPayload),
  };
}

const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;

const normalizeMime = (mimeType: string) => mimeType.split(";")[0]!.trim().toLowerCase();

const startsWith = (bytes: Uint8Array, prefix: number[], at = 0) => prefix.every((b, i) => bytes[at + i] === b);

/** Magic numbers of the image types whose bytes are easy to recognise (HEIC/HEIF are containers: not checked). */
const IMAGE_SIGNATURES: Record<string, (bytes: Uint8Array) => boolean> = {
  "image/png": (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  "image/jpeg": (b) => startsWith(b, [0xff, 0xd8, 0xff]),
  "image/gif": (b) => startsWith(b, [0x47, 0x49, 0x46, 0x38]),
  "image/webp": (b) => startsWith(b, [0x52, 0x49, 0x46, 0x46]) && startsWith(b, [0x57, 0x45, 0x42, 0x50], 8),
};

const isImage = (mimeType: string) => normalizeMime(mimeType).startsWith("image/");

const label = (file: OutgoingAttachment, index: number) => (file.fileName ? `"${file.fileName}"` : `file ${index + 1}`);

const mib = (bytes: number) =>
  bytes < 1024 ? `${bytes} bytes` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

/** The attachment items chat.send carries. */
export function toGatewayAttachments(files: readonly OutgoingAttachment[]): GatewayChatAttachment[] {
  return files.map((file) => ({
    type: isImage(file.mimeType) ? "image" : "file",
    mimeType: normalizeMime(file.mimeType),
    ...(file.fileName ? { fileName: file.fileName } : {}),
    content: Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength).toString("base64"),
  }));
}

/** Base64 grows 3 bytes into 4 characters; JSON adds nothing to them (no character needs escaping). */
const base64Length = (bytes: number) => 4 * Math.ceil(bytes / 3);

/**
 * The size of the chat.send frame that carries `files` in `params`, as it will go on the wire, measured
 * without encoding the files (they may be tens of MB): the JSON of everything else plus each file's base64.
 */
export function chatSendFrameBytes(params: Record<string, unknown>, files: readonly OutgoingAttachment[]): number {
  const skeleton = toGatewayAttachments(files.map((file) => ({ ...file, bytes: new Uint8Array(0) })));
  const content = files.reduce((sum, file) => sum + base64Length(file.bytes.byteLength), 0);
  return Buffer.byteLength(JSON.stringify({ ...params, attachments: skeleton }), "utf8") + content + ATTACHMENT_LIMITS.frameEnvelopeBytes;
}

/**
 * Checks files before chat.send, in the order the Gateway's own docs give: each file's decoded size
 * against maxImageBytes (images) or maxBytes (others), then the whole encoded request against maxPayload.
 * `params` is the chat.send request the files would ride in (without them), to measure the frame.
 * The MIME types the Gateway accepts are not advertised; the Gateway stays the judge of the rest.
 */
export function checkAttachments(files: readonly OutgoingAttachment[], policy: AttachmentPolicy, params: Record<string, unknown> = {}): AttachmentCheck {
  if (files.length > ATTACHMENT_LIMITS.maxCount) {
    return { ok: false, code: "TOO_MANY", message: `${files.length} files in one message; at most ${ATTACHMENT_LIMITS.maxCount} can be sent` };
  }
  for (const [index, file] of files.entries()) {
    const name = label(file, index);
    const mimeType = normalizeMime(file.mimeType);
    if (file.bytes.byteLength === 0) return { ok: false, code: "EMPTY", index, message: `${name} is empty` };
    if (!MIME_TYPE.test(mimeType)) {
      return { ok: false, code: "UNSUPPORTED_TYPE", index, message: `${name} has no valid file type (${JSON.stringify(file.mimeType.slice(0, 60))})` };
    }
    if (isImage(mimeType)) {
      if (!SUPPORTED_IMAGE_TYPES.has(mimeType)) {
        return { ok: false, code: "UNSUPPORTED_TYPE", index, message: `${name}: ${mimeType} images can't be sent; use PNG, JPEG, GIF, WebP or HEIC` };
      }
      const signature = IMAGE_SIGNATURES[mimeType];
      if (signature && !signature(file.bytes)) {
        return { ok: false, code: "UNSUPPORTED_TYPE", index, message: `${name} does not hold ${mimeType} data (its content doesn't match its type)` };
      }
    }
    const limit = isImage(mimeType) ? (policy.maxImageBytes ?? policy.maxBytes) : policy.maxBytes;
    if (limit !== undefined && file.bytes.byteLength > limit) {
      const what = isImage(mimeType) ? "images" : "files";
      return { ok: false, code: "TOO_LARGE", index, message: `${name} is ${mib(file.bytes.byteLength)}; the Gateway takes ${what} up to ${mib(limit)}` };
    }
  }
  const maxPayload = policy.maxPayload ?? ATTACHMENT_LIMITS.fallbackMaxPayload;
  const frame = chatSendFrameBytes(params, files);
  if (frame > maxPayload) {
    return {
      ok: false,
      code: "PAYLOAD_TOO_LARGE",
      message: `these files make a ${mib(frame)} message once encoded; the Gateway reads at most ${mib(maxPayload)} at once (send fewer or smaller files)`,
    };
  }
  return { ok: true };
}
