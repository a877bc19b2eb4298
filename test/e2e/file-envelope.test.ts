/** The file envelope `fcf1`: layout checked against node:crypto, its overhead equal to Convex's limit, moved or tampered files refused. */
import { createCipheriv, hkdfSync } from "node:crypto";
import { FILE_ENVELOPE_OVERHEAD as CONVEX_FILE_ENVELOPE_OVERHEAD } from "../../convex/lib/limits.js";
import { generateContentKey, importContentKey } from "../../src/e2e/content-key.js";
import { associatedData, open, seal } from "../../src/e2e/envelope.js";
import { FILE_ENVELOPE_OVERHEAD, fileContext, fileNameContext, openFile, sealFile } from "../../src/e2e/file-envelope.js";
import { KeyRing } from "../../src/e2e/key-ring.js";

const CONTENT_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
const SESSION = "s1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const ATTACHMENT = "att-0123456789abcdef";
const bytes = (n: number, seed = 7): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 256);

test("layout: 'fcf1' ‖ kid ‖ nonce ‖ AES-256-GCM(ciphertext ‖ tag), AAD as for text envelopes; an independent implementation agrees", async () => {
  const key = await importContentKey(CONTENT_KEY);
  const nonce = bytes(12, 99);
  const plain = bytes(1000);
  const sealed = await sealFile(key, fileContext(SESSION, ATTACHMENT), plain, { fixedNonceForTestVectors: nonce });

  const encKey = Buffer.from(hkdfSync("sha256", Buffer.from(CONTENT_KEY, "base64url"), Buffer.alloc(0), "fastclaw-e2e/1 enc", 32));
  const cipher = createCipheriv("aes-256-gcm", encKey, nonce);
  cipher.setAAD(associatedData(key.kid, { sessionId: SESSION, field: "file", row: `a:${ATTACHMENT}` }));
  const expected = Buffer.concat([Buffer.from("fcf1" + key.kid, "ascii"), nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  expect(Buffer.from(sealed).equals(expected)).toBe(true);
  expect(sealed.length).toBe(plain.length + FILE_ENVELOPE_OVERHEAD);
  expect(FILE_ENVELOPE_OVERHEAD).toBe(CONVEX_FILE_ENVELOPE_OVERHEAD);
});

test("opens only in its own place, under a key the reader holds, untampered", async () => {
  const key = await importContentKey(CONTENT_KEY);
  const keys = KeyRing.of(key);
  const ctx = fileContext(SESSION, ATTACHMENT);
  const plain = bytes(4096);
  const sealed = await sealFile(key, ctx, plain);
  expect(await openFile(keys, ctx, sealed)).toEqual({ ok: true, bytes: plain });
  // A fresh nonce each time: two seals of one file differ.
  expect(Buffer.from(await sealFile(key, ctx, plain)).equals(Buffer.from(sealed))).toBe(false);

  expect(await openFile(keys, fileContext(SESSION, "att-another-attachment"), sealed)).toEqual({ ok: false, reason: "forged" });
  expect(await openFile(keys, fileContext("", ATTACHMENT), sealed)).toEqual({ ok: false, reason: "forged" });
  const tampered = new Uint8Array(sealed);
  tampered[100] = tampered[100]! ^ 1;
  expect(await openFile(keys, ctx, tampered)).toEqual({ ok: false, reason: "forged" });
  expect(await openFile(KeyRing.of(await importContentKey(generateContentKey())), ctx, sealed)).toEqual({ ok: false, reason: "unknown-key" });
  expect(await openFile(keys, ctx, sealed.subarray(0, FILE_ENVELOPE_OVERHEAD - 1))).toEqual({ ok: false, reason: "malformed" });
  expect(await openFile(keys, ctx, new TextEncoder().encode(`fc1.${"x".repeat(60)}`))).toEqual({ ok: false, reason: "malformed" });
});

test("a file name is a text envelope bound to the same attachment, and never opens as the bytes' context", async () => {
  const key = await importContentKey(CONTENT_KEY);
  const name = await seal(key, fileNameContext(SESSION, ATTACHMENT), "holiday.jpg");
  expect(await open(KeyRing.of(key), [fileNameContext(SESSION, ATTACHMENT)], name)).toEqual({ ok: true, text: "holiday.jpg" });
  expect(await open(KeyRing.of(key), [fileContext(SESSION, ATTACHMENT)], name)).toEqual({ ok: false, reason: "forged" });
});
