/** AES-256-GCM and HMAC-SHA256 under one content key's subkeys: Node's native crypto where there is one, Web Crypto elsewhere. */
// No Node imports: the web app bundles this file, so Node's crypto is only reached through
// `process.getBuiltinModule`. The relay's service runs node without the optimising JITs, where each
// Web Crypto call (algorithm normalisation, a thread-pool job, a promise) cost about 50 µs of CPU
// against about 9 µs for the same AES-GCM through node:crypto (bench row 7).

/** Operations on one content key's two subkeys; both paths produce and accept exactly the same bytes. */
export interface KeyCrypto {
  /** Ciphertext followed by its 16-byte tag. */
  encrypt(nonce: Bytes, aad: Bytes, plaintext: Bytes): Promise<Bytes>;
  /** The plaintext, or null when `sealed` (ciphertext + tag) does not authenticate under `aad`. */
  decrypt(nonce: Bytes, aad: Bytes, sealed: Bytes): Promise<Bytes | null>;
  hmac(data: Bytes): Promise<Bytes>;
}

/** Bytes over a plain ArrayBuffer: what Web Crypto takes without a copy. */
export type Bytes = Uint8Array<ArrayBuffer>;

const TAG_BYTES = 16;

/** The part of node:crypto this file uses. */
export interface NativeCrypto {
  createSecretKey(key: Uint8Array): NativeKey;
  createCipheriv(algorithm: "aes-256-gcm", key: NativeKey, iv: Uint8Array, options: { authTagLength: number }): NativeCipher;
  createDecipheriv(algorithm: "aes-256-gcm", key: NativeKey, iv: Uint8Array, options: { authTagLength: number }): NativeDecipher;
  createHmac(algorithm: "sha256", key: NativeKey): { update(data: Uint8Array): { digest(): Uint8Array } };
  randomFillSync(buffer: Uint8Array): Uint8Array;
}
/** A node:crypto KeyObject: opaque here. */
export interface NativeKey {
  readonly type: string;
}
interface NativeCipher {
  setAAD(aad: Uint8Array): unknown;
  update(data: Uint8Array): Uint8Array;
  final(): Uint8Array;
  getAuthTag(): Uint8Array;
}
interface NativeDecipher {
  setAAD(aad: Uint8Array): unknown;
  setAuthTag(tag: Uint8Array): unknown;
  update(data: Uint8Array): Uint8Array;
  final(): Uint8Array;
}

/** node:crypto when this runtime is Node (22.3+), else undefined (browsers). */
export function platformNativeCrypto(): NativeCrypto | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.("node:crypto") as NativeCrypto | undefined;
}

function joined(parts: readonly Uint8Array[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Over node:crypto: synchronous, on this thread; the KeyObjects hold copies, so the caller may wipe its bytes. */
export function nativeKeyCrypto(native: NativeCrypto, enc: Uint8Array, sid: Uint8Array): KeyCrypto {
  const encKey = native.createSecretKey(enc);
  const sidKey = native.createSecretKey(sid);
  const options = { authTagLength: TAG_BYTES };
  return {
    encrypt: async (nonce, aad, plaintext) => {
      const cipher = native.createCipheriv("aes-256-gcm", encKey, nonce, options);
      cipher.setAAD(aad);
      const body = cipher.update(plaintext);
      const last = cipher.final();
      return joined([body, last, cipher.getAuthTag()]);
    },
    decrypt: async (nonce, aad, sealed) => {
      if (sealed.length < TAG_BYTES) return null;
      const decipher = native.createDecipheriv("aes-256-gcm", encKey, nonce, options);
      decipher.setAAD(aad);
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      const body = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
      try {
        return joined([body, decipher.final()]);
      } catch {
        return null; // the tag did not authenticate
      }
    },
    hmac: async (data) => new Uint8Array(native.createHmac("sha256", sidKey).update(data).digest()),
  };
}

/** CSPRNG bytes drawn for nonces at once: one native call per this many bytes instead of one per envelope. */
const NONCE_POOL_BYTES = 4096;

/**
 * Fresh 96-bit nonces from the platform CSPRNG. Over node:crypto they are cut from a pool, each byte handed out
 * once (a nonce must never repeat under a key); Web Crypto draws each one (the browser seals a message at a time).
 */
export function nonceSource(native: NativeCrypto | undefined, bytes: number): () => Bytes {
  if (native === undefined) return () => globalThis.crypto.getRandomValues(new Uint8Array(bytes));
  const pool = new Uint8Array(Math.max(bytes, NONCE_POOL_BYTES - (NONCE_POOL_BYTES % bytes)));
  let next = pool.length;
  return () => {
    if (next + bytes > pool.length) {
      native.randomFillSync(pool);
      next = 0;
    }
    const nonce = pool.slice(next, next + bytes);
    pool.fill(0, next, next + bytes);
    next += bytes;
    return nonce;
  };
}

type Subtle = typeof globalThis.crypto.subtle;

/** Over Web Crypto: the keys are imported non-extractable. */
export async function webKeyCrypto(subtle: Subtle, enc: Bytes, sid: Bytes): Promise<KeyCrypto> {
  const encKey = await subtle.importKey("raw", new Uint8Array(enc), { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
  const sidKey = await subtle.importKey("raw", new Uint8Array(sid), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const gcm = (iv: Bytes, additionalData: Bytes) => ({ name: "AES-GCM", iv, additionalData, tagLength: TAG_BYTES * 8 });
  return {
    encrypt: async (nonce, aad, plaintext) => new Uint8Array(await subtle.encrypt(gcm(nonce, aad), encKey, plaintext)),
    decrypt: async (nonce, aad, sealed) => {
      try {
        return new Uint8Array(await subtle.decrypt(gcm(nonce, aad), encKey, sealed));
      } catch {
        return null; // the tag did not authenticate
      }
    },
    hmac: async (data) => new Uint8Array(await subtle.sign("HMAC", sidKey, data)),
  };
}
