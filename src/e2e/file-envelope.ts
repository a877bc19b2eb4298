/** The binary envelope `fcf1` of an attached file (AES-256-GCM), bound to its session and attachment id. */
// No Node imports: the relay, `fastclaw-relay chat` and the web app share this file.
import type { ContentKey } from "./content-key.js";
import { associatedData, freshNonce, type KeyLookup, type OpenFailure, type SealContext, type SealOptions } from "./envelope.js";
import { attachmentRow } from "./row-contexts.js";

/** ASCII "fcf1", then the kid (11 ASCII chars), the nonce (12 bytes), the ciphertext and its 16-byte tag. */
const MAGIC = new TextEncoder().encode("fcf1");
const KID_CHARS = 11;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + KID_CHARS + NONCE_BYTES;
/** What sealing adds to a file: convex/lib/limits.ts FILE_ENVELOPE_OVERHEAD is the same number. */
export const FILE_ENVELOPE_OVERHEAD = HEADER_BYTES + TAG_BYTES;

/** The bytes of the file with `attachmentId` in the session `sessionId` ("" for none). */
export function fileContext(sessionId: string, attachmentId: string): SealContext {
  return { sessionId, field: "file", row: attachmentRow(attachmentId) };
}

/** Its name, sealed as a text envelope. */
export function fileNameContext(sessionId: string, attachmentId: string): SealContext {
  return { sessionId, field: "fileName", row: attachmentRow(attachmentId) };
}

export async function sealFile(key: ContentKey, ctx: SealContext, plaintext: Uint8Array, options: SealOptions = {}): Promise<Uint8Array<ArrayBuffer>> {
  const nonce = new Uint8Array(options.fixedNonceForTestVectors ?? freshNonce());
  if (nonce.length !== NONCE_BYTES) throw new Error("an envelope nonce is 12 bytes");
  const sealed = await key.crypto.encrypt(nonce, associatedData(key.kid, ctx), new Uint8Array(plaintext));
  const out = new Uint8Array(HEADER_BYTES + sealed.byteLength);
  out.set(MAGIC, 0);
  out.set(new TextEncoder().encode(key.kid), MAGIC.length);
  out.set(nonce, MAGIC.length + KID_CHARS);
  out.set(new Uint8Array(sealed), HEADER_BYTES);
  return out;
}

export type OpenedFile = { ok: true; bytes: Uint8Array<ArrayBuffer> } | { ok: false; reason: Exclude<OpenFailure, "legacy"> };

/** Opens a file envelope; `forged` when it does not authenticate for `ctx` (tampered, or another file's bytes). */
export async function openFile(keys: KeyLookup, ctx: SealContext, sealed: Uint8Array): Promise<OpenedFile> {
  if (sealed.length < FILE_ENVELOPE_OVERHEAD || !MAGIC.every((byte, i) => sealed[i] === byte)) return { ok: false, reason: "malformed" };
  const kid = new TextDecoder().decode(sealed.subarray(MAGIC.length, MAGIC.length + KID_CHARS));
  const key = keys.byKid(kid);
  if (key === undefined) return { ok: false, reason: "unknown-key" };
  const plain = await key.crypto.decrypt(
    new Uint8Array(sealed.subarray(MAGIC.length + KID_CHARS, HEADER_BYTES)),
    associatedData(key.kid, ctx),
    new Uint8Array(sealed.subarray(HEADER_BYTES)),
  );
  return plain === null ? { ok: false, reason: "forged" } : { ok: true, bytes: plain };
}
