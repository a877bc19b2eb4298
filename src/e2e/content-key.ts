/** The instance's 256-bit content key and the subkeys HKDF derives from it: AES-GCM, HMAC session ids, key id. */
// No Node imports: the relay, `fastclaw-relay chat` and the web app share this file.
import { fromBase64url, toBase64url } from "./base64url.js";
import { nativeKeyCrypto, platformNativeCrypto, webKeyCrypto, type KeyCrypto, type NativeCrypto } from "./key-crypto.js";

export const CONTENT_KEY_BYTES = 32;
/** A content key as it is stored and carried in pairing payloads: 32 bytes, unpadded base64url (43 characters). */
export const CONTENT_KEY_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** HKDF-SHA256 info strings (salt empty); docs/convex-api.md "End-to-end encryption" pins them. */
export const HKDF_INFO = { enc: "fastclaw-e2e/1 enc", sid: "fastclaw-e2e/1 sid", kid: "fastclaw-e2e/1 kid" } as const;
const KID_BYTES = 8;
/** A session id as Convex stores it in place of the session key. */
export const SESSION_ID_PREFIX = "s1.";

/** Web Crypto's types, named through the global both Node's and the DOM's typings declare. */
type Subtle = typeof globalThis.crypto.subtle;

export interface ContentKey {
  /** base64url of the first 8 bytes of HKDF(info "kid"): names the key in every envelope, reveals nothing of it. */
  readonly kid: string;
  /** AES-GCM under the enc subkey, HMAC under the sid subkey; the subkeys themselves are not reachable. */
  readonly crypto: KeyCrypto;
}

export class ContentKeyError extends Error {
  override readonly name = "ContentKeyError";
}

const encoder = new TextEncoder();

function subtle(): Subtle {
  const s = globalThis.crypto?.subtle;
  if (s === undefined) throw new ContentKeyError("Web Crypto (crypto.subtle) is not available here");
  return s;
}

/** A fresh content key from the platform CSPRNG, in its stored form. */
export function generateContentKey(): string {
  return toBase64url(globalThis.crypto.getRandomValues(new Uint8Array(CONTENT_KEY_BYTES)));
}

function rawKey(text: string): Uint8Array<ArrayBuffer> {
  const raw = CONTENT_KEY_PATTERN.test(text) ? fromBase64url(text) : null;
  if (raw === null || raw.length !== CONTENT_KEY_BYTES) throw new ContentKeyError("not a valid content key (43 characters of base64url)");
  return raw;
}

/** The raw subkey bytes; exported for the committed test vectors, which pin every derivation step. */
export async function deriveSubkeyBytes(text: string): Promise<{ enc: Uint8Array; sid: Uint8Array; kid: Uint8Array }> {
  const ikm = await subtle().importKey("raw", rawKey(text), "HKDF", false, ["deriveBits"]);
  const derive = async (info: string, bytes: number): Promise<Uint8Array> =>
    new Uint8Array(
      await subtle().deriveBits({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode(info) }, ikm, bytes * 8),
    );
  return { enc: await derive(HKDF_INFO.enc, 32), sid: await derive(HKDF_INFO.sid, 32), kid: await derive(HKDF_INFO.kid, KID_BYTES) };
}

/**
 * Imports a stored content key: over Node's crypto when `native` is given (the default on Node), else Web
 * Crypto with non-extractable keys. The derived bytes are wiped once the keys hold their own copies.
 */
export async function importContentKey(text: string, native: NativeCrypto | undefined = platformNativeCrypto()): Promise<ContentKey> {
  const bytes = await deriveSubkeyBytes(text);
  const enc = new Uint8Array(bytes.enc);
  const sid = new Uint8Array(bytes.sid);
  try {
    const crypto = native !== undefined ? nativeKeyCrypto(native, enc, sid) : await webKeyCrypto(subtle(), enc, sid);
    return { kid: toBase64url(bytes.kid), crypto };
  } finally {
    for (const secret of [bytes.enc, bytes.sid, enc, sid]) secret.fill(0);
  }
}

/**
 * The id Convex indexes a session by: `s1.` + base64url(HMAC-SHA256(sid subkey, UTF-8 session key)).
 * Deterministic, so both sides find the same row; keyed, so Convex cannot test guesses of a phone number.
 */
export async function sessionIdFor(key: ContentKey, sessionKey: string): Promise<string> {
  return SESSION_ID_PREFIX + toBase64url(await key.crypto.hmac(encoder.encode(sessionKey)));
}

/** Whether a stored session key is an E2E session id (else: a plaintext key from before encryption). */
export function isSessionId(value: string): boolean {
  return value.startsWith(SESSION_ID_PREFIX) && /^[A-Za-z0-9_-]{43}$/.test(value.slice(SESSION_ID_PREFIX.length));
}
