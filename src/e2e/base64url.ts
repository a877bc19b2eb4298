/** Base64url without padding (RFC 4648 §5): Node's native encoder where there is one, btoa/atob in browsers. */
// No Node imports: the web app bundles this file, so Buffer is only looked up on globalThis. The relay's
// service runs node without the optimising JITs, where even the btoa path's string work (fromCharCode over
// the bytes, then swapping the alphabet) cost about 0.9 ms per 64 KiB write; Buffer does it natively
// (about 0.02 ms: bench row 8).

/** The part of Node's Buffer this codec uses. */
export interface NativeBase64 {
  from(bytes: ArrayBufferLike, byteOffset: number, length: number): { toString(encoding: "base64url"): string };
  from(text: string, encoding: "base64url"): Uint8Array;
}

export interface Base64urlCodec {
  toBase64url(bytes: Uint8Array): string;
  /** The bytes of a canonical unpadded base64url string, or null for anything else (padding, stray bits, other characters). */
  fromBase64url(text: string): Uint8Array<ArrayBuffer> | null;
}

/** Bytes per String.fromCharCode call: under every engine's argument-count limit (and `apply`, not a spread, which is 20× slower without the JITs). */
const CHUNK = 0x2000;
const CANONICAL = /^[A-Za-z0-9_-]*$/;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Both platforms accept exactly the same strings: canonical, unpadded, nothing else. */
function canonical(text: string): boolean {
  if (text.length % 4 === 1 || !CANONICAL.test(text)) return false;
  // Leftover bits of the last character must be zero, so each byte string has exactly one encoding.
  const tail = text.length % 4;
  return tail === 0 || (ALPHABET.indexOf(text[text.length - 1]!) & (tail === 2 ? 0b1111 : 0b11)) === 0;
}

/** The codec over `native` when given (Node), else over btoa/atob (browsers). */
export function base64urlCodec(native?: NativeBase64): Base64urlCodec {
  if (native !== undefined) {
    return {
      toBase64url: (bytes) => native.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url"),
      // A copy: Node may hand out a view into its shared pool, and callers own what they get.
      fromBase64url: (text) => (canonical(text) ? new Uint8Array(native.from(text, "base64url")) : null),
    };
  }
  return {
    toBase64url(bytes) {
      let binary = "";
      for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
      return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
    },
    fromBase64url(text) {
      if (!canonical(text)) return null;
      const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));
      const out = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
      return out;
    },
  };
}

const codec = base64urlCodec((globalThis as { Buffer?: NativeBase64 }).Buffer);

export const toBase64url: Base64urlCodec["toBase64url"] = codec.toBase64url;
export const fromBase64url: Base64urlCodec["fromBase64url"] = codec.fromBase64url;
