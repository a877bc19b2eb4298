/** The versioned AEAD envelope `fc1.<kid>.<nonce>.<ciphertext+tag>` (AES-256-GCM), bound to where it belongs. */
// No Node imports: the relay, `fastclaw-relay chat` and the web app share this file.
import { fromBase64url, toBase64url } from "./base64url.js";
import type { ContentKey } from "./content-key.js";
import { nonceSource, platformNativeCrypto } from "./key-crypto.js";

export const ENVELOPE_PREFIX = "fc1.";
const AAD_LABEL = "fastclaw-e2e/1";
const NONCE_BYTES = 12;
/** Where every envelope's nonce comes from (text and file envelopes alike). */
export const freshNonce = nonceSource(platformNativeCrypto(), NONCE_BYTES);
const TAG_BYTES = 16;
/** What an envelope adds to the UTF-8 plaintext, at most: prefix, kid, dots, nonce, tag, and base64's 4/3. */
export function envelopeLength(plaintextBytes: number): number {
  return ENVELOPE_PREFIX.length + 11 + 1 + 16 + 1 + Math.ceil(((plaintextBytes + TAG_BYTES) * 4) / 3);
}

/** The encrypted fields; a ciphertext of one field never opens as another. */
export type SealedField = "text" | "error" | "sessionKey" | "title" | "preview" | "model" | "gatewayError" | "file" | "fileName";

/**
 * Where a ciphertext belongs: its session (the session id, or "" for instance-wide values), its field, and its
 * row (docs/convex-api.md "Row identities"). Every part is something writer and reader know without trusting Convex.
 */
export interface SealContext {
  sessionId: string;
  field: SealedField;
  row: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function lengthPrefixed(parts: readonly string[]): Uint8Array<ArrayBuffer> {
  const encoded = parts.map((p) => encoder.encode(p));
  const out = new Uint8Array(encoded.reduce((n, e) => n + 4 + e.length, 0));
  const view = new DataView(out.buffer);
  let o = 0;
  for (const e of encoded) {
    view.setUint32(o, e.length);
    out.set(e, o + 4);
    o += 4 + e.length;
  }
  return out;
}

/** AAD = for each of (label, kid, sessionId, field, row): 4-byte big-endian length, then its UTF-8 bytes. */
export function associatedData(kid: string, ctx: SealContext): Uint8Array<ArrayBuffer> {
  return lengthPrefixed([AAD_LABEL, kid, ctx.sessionId, ctx.field, ctx.row]);
}

export interface SealOptions {
  /** Only for the committed test vectors: a nonce must never repeat under one key. */
  fixedNonceForTestVectors?: Uint8Array;
}

/** Encrypts `plaintext` under a fresh random 96-bit nonce. */
export async function seal(key: ContentKey, ctx: SealContext, plaintext: string, options: SealOptions = {}): Promise<string> {
  const nonce = new Uint8Array(options.fixedNonceForTestVectors ?? freshNonce());
  if (nonce.length !== NONCE_BYTES) throw new Error("an envelope nonce is 12 bytes");
  const sealed = await key.crypto.encrypt(nonce, associatedData(key.kid, ctx), encoder.encode(plaintext));
  return `${ENVELOPE_PREFIX}${key.kid}.${toBase64url(nonce)}.${toBase64url(sealed)}`;
}

/** Whether a stored value is an envelope at all (else it was written in plaintext, before encryption). */
export function isEnvelope(value: string): boolean {
  return value.startsWith(ENVELOPE_PREFIX);
}

/** The kid an envelope names, or null when it is not an envelope. */
export function envelopeKid(value: string): string | null {
  return isEnvelope(value) ? (value.split(".")[1] ?? null) : null;
}

/**
 * Why a value did not open. `legacy`: plaintext written before encryption; `unknown-key`: sealed under a key
 * this device does not hold (written before its pairing, or after a `pair --reset` it missed); `malformed`:
 * not a well-formed envelope; `forged`: authentication failed (tampered, or moved from another row/field/session).
 */
export type OpenFailure = "legacy" | "unknown-key" | "malformed" | "forged";
export type Opened = { ok: true; text: string } | { ok: false; reason: OpenFailure };

/** The keys a reader holds, by kid. */
export interface KeyLookup {
  byKid(kid: string): ContentKey | undefined;
}

const ENVELOPE_SHAPE = /^fc1\.([A-Za-z0-9_-]{11})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22,})$/;

/**
 * Opens an envelope. `contexts` are the places the value may belong to (a row can have more than one identity,
 * e.g. a streamed reply later merged with its transcript copy); the first that authenticates wins.
 */
export async function open(keys: KeyLookup, contexts: readonly SealContext[], value: string): Promise<Opened> {
  if (!isEnvelope(value)) return { ok: false, reason: "legacy" };
  const m = ENVELOPE_SHAPE.exec(value);
  const nonce = m ? fromBase64url(m[2]!) : null;
  const body = m ? fromBase64url(m[3]!) : null;
  if (m === null || nonce === null || body === null || body.length < TAG_BYTES) return { ok: false, reason: "malformed" };
  const key = keys.byKid(m[1]!);
  if (key === undefined) return { ok: false, reason: "unknown-key" };
  for (const ctx of contexts) {
    // Null: wrong context (or tampered); try the row's next identity.
    const plain = await key.crypto.decrypt(nonce, associatedData(key.kid, ctx), body);
    if (plain === null) continue;
    try {
      return { ok: true, text: decoder.decode(plain) };
    } catch {
      return { ok: false, reason: "forged" }; // authentic, but not UTF-8: no writer of ours made it
    }
  }
  return { ok: false, reason: "forged" };
}
