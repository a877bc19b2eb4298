/** The E2E codec: committed test vectors (checked against node:crypto too), tampering, moving, wrong keys, rotation. */
import { createCipheriv, createHmac, hkdfSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { fromBase64url, toBase64url } from "../../src/e2e/base64url.js";
import { deriveSubkeyBytes, generateContentKey, importContentKey, isSessionId, sessionIdFor } from "../../src/e2e/content-key.js";
import { associatedData, envelopeLength, open, seal, type SealContext } from "../../src/e2e/envelope.js";
import { KeyRing } from "../../src/e2e/key-ring.js";
import { appRow, messageContexts, orphanReasonContext, runRow, sessionContext, transcriptRow } from "../../src/e2e/row-contexts.js";

interface Vectors {
  contentKeyHex: string;
  contentKey: string;
  encKeyHex: string;
  sidKeyHex: string;
  kidHex: string;
  kid: string;
  sessionKey: string;
  sessionId: string;
  envelopes: { plaintext: string; ctx: SealContext; nonceHex: string; aadHex: string; envelope: string }[];
}
const vectors = JSON.parse(readFileSync(new URL("../fixtures/e2e-vectors.json", import.meta.url), "utf8")) as Vectors;
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const unhex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, "hex"));

describe("test vectors (docs/convex-api.md)", () => {
  test("the content key, subkeys, kid and session id match the committed values", async () => {
    expect(hex(fromBase64url(vectors.contentKey)!)).toBe(vectors.contentKeyHex);
    const sub = await deriveSubkeyBytes(vectors.contentKey);
    expect(hex(sub.enc)).toBe(vectors.encKeyHex);
    expect(hex(sub.sid)).toBe(vectors.sidKeyHex);
    expect(hex(sub.kid)).toBe(vectors.kidHex);
    const key = await importContentKey(vectors.contentKey);
    expect(key.kid).toBe(vectors.kid);
    expect(await sessionIdFor(key, vectors.sessionKey)).toBe(vectors.sessionId);
  });

  test("an independent implementation (node:crypto HKDF, HMAC, AES-GCM) gives the same bytes", () => {
    const ikm = unhex(vectors.contentKeyHex);
    const hkdf = (info: string, n: number): string => hex(new Uint8Array(hkdfSync("sha256", ikm, new Uint8Array(0), info, n)));
    expect(hkdf("fastclaw-e2e/1 enc", 32)).toBe(vectors.encKeyHex);
    expect(hkdf("fastclaw-e2e/1 sid", 32)).toBe(vectors.sidKeyHex);
    expect(hkdf("fastclaw-e2e/1 kid", 8)).toBe(vectors.kidHex);
    expect(toBase64url(unhex(vectors.kidHex))).toBe(vectors.kid);
    const mac = createHmac("sha256", unhex(vectors.sidKeyHex)).update(vectors.sessionKey, "utf8").digest();
    expect(`s1.${mac.toString("base64url")}`).toBe(vectors.sessionId);
    for (const v of vectors.envelopes) {
      const aad = Buffer.concat(
        ["fastclaw-e2e/1", vectors.kid, v.ctx.sessionId, v.ctx.field, v.ctx.row].map((p) => {
          const b = Buffer.from(p, "utf8");
          const len = Buffer.alloc(4);
          len.writeUInt32BE(b.length);
          return Buffer.concat([len, b]);
        }),
      );
      expect(aad.toString("hex")).toBe(v.aadHex);
      const cipher = createCipheriv("aes-256-gcm", unhex(vectors.encKeyHex), unhex(v.nonceHex));
      cipher.setAAD(aad);
      const body = Buffer.concat([cipher.update(v.plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
      expect(`fc1.${vectors.kid}.${Buffer.from(unhex(v.nonceHex)).toString("base64url")}.${body.toString("base64url")}`).toBe(v.envelope);
    }
  });

  // Node's crypto (what Node processes get by default) and Web Crypto (what the web app gets) must agree byte for byte.
  test.each([
    ["node:crypto", () => importContentKey(vectors.contentKey)],
    ["Web Crypto", () => importContentKey(vectors.contentKey, undefined)],
  ])("seal with the vector nonces gives the committed envelopes, and open gives the plaintext back (%s)", async (_, load) => {
    const key = await load();
    const ring = KeyRing.of(key);
    expect(await sessionIdFor(key, vectors.sessionKey)).toBe(vectors.sessionId);
    for (const v of vectors.envelopes) {
      expect(hex(associatedData(key.kid, v.ctx))).toBe(v.aadHex);
      expect(await seal(key, v.ctx, v.plaintext, { fixedNonceForTestVectors: unhex(v.nonceHex) })).toBe(v.envelope);
      expect(await open(ring, [v.ctx], v.envelope)).toEqual({ ok: true, text: v.plaintext });
    }
  });
});

describe("envelopes", () => {
  let ring: KeyRing;
  const ctx: SealContext = { sessionId: "s1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", field: "text", row: appRow("m1") };
  beforeAll(async () => {
    ring = await KeyRing.fromStored(generateContentKey());
  });

  test("every seal uses a fresh nonce: the same text twice gives different envelopes", async () => {
    const a = await seal(ring.current, ctx, "same");
    const b = await seal(ring.current, ctx, "same");
    expect(a).not.toBe(b);
    expect(a.split(".")[2]).not.toBe(b.split(".")[2]);
  });

  test("a flipped bit anywhere in nonce or ciphertext fails authentication", async () => {
    const sealed = await seal(ring.current, ctx, "the secret plan");
    const [prefix, kid, nonce, body] = sealed.split(".") as [string, string, string, string];
    const flip = (s: string, i: number): string => {
      const bytes = fromBase64url(s)!;
      bytes[i] = bytes[i]! ^ 1;
      return toBase64url(bytes);
    };
    expect(await open(ring, [ctx], [prefix, kid, flip(nonce, 0), body].join("."))).toEqual({ ok: false, reason: "forged" });
    expect(await open(ring, [ctx], [prefix, kid, nonce, flip(body, 0)].join("."))).toEqual({ ok: false, reason: "forged" });
    const tagAt = fromBase64url(body)!.length - 1;
    expect(await open(ring, [ctx], [prefix, kid, nonce, flip(body, tagAt)].join("."))).toEqual({ ok: false, reason: "forged" });
  });

  test("a ciphertext moved to another row, session or field does not open there", async () => {
    const sealed = await seal(ring.current, ctx, "meet at 9");
    expect(await open(ring, [{ ...ctx, row: appRow("m2") }], sealed)).toEqual({ ok: false, reason: "forged" });
    expect(await open(ring, [{ ...ctx, sessionId: "s1.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB" }], sealed)).toEqual({ ok: false, reason: "forged" });
    expect(await open(ring, [{ ...ctx, field: "title" }], sealed)).toEqual({ ok: false, reason: "forged" });
    expect(await open(ring, [ctx], sealed)).toEqual({ ok: true, text: "meet at 9" });
  });

  test("a message's text opens under each identity the row has, and only those", async () => {
    const sessionKey = ctx.sessionId;
    const streamed = await seal(ring.current, { sessionId: sessionKey, field: "text", row: runRow("run-1") }, "streamed");
    const mirrored = await seal(ring.current, { sessionId: sessionKey, field: "text", row: transcriptRow("g-1") }, "mirrored");
    const merged = { sessionKey, source: "gateway" as const, runId: "run-1", gatewayMessageId: "g-1" };
    expect(await open(ring, messageContexts(merged, "text"), streamed)).toEqual({ ok: true, text: "streamed" });
    expect(await open(ring, messageContexts(merged, "text"), mirrored)).toEqual({ ok: true, text: "mirrored" });
    const other = { sessionKey, source: "gateway" as const, runId: "run-2", gatewayMessageId: "g-2" };
    expect(await open(ring, messageContexts(other, "text"), streamed)).toEqual({ ok: false, reason: "forged" });
    // An app row never takes a Gateway row's text, even with the same id strings.
    const app = { sessionKey, source: "app" as const, clientMessageId: "run-1", runId: "run-1" };
    expect(await open(ring, messageContexts(app, "text"), streamed)).toEqual({ ok: false, reason: "forged" });
    // The relay's orphan reason is an error of any row, never a text.
    const reason = await seal(ring.current, orphanReasonContext(), "the relay restarted");
    expect(await open(ring, messageContexts(other, "error"), reason)).toEqual({ ok: true, text: "the relay restarted" });
    expect(await open(ring, messageContexts(other, "text"), reason)).toEqual({ ok: false, reason: "forged" });
  });

  test("a wrong key fails; an unknown kid is named as such; plaintext is legacy; garbage is malformed", async () => {
    const other = await KeyRing.fromStored(generateContentKey());
    const sealed = await seal(ring.current, ctx, "hello");
    expect(await open(other, [ctx], sealed)).toEqual({ ok: false, reason: "unknown-key" });
    // Same kid, different key material (a forged kid): authentication fails.
    const forgedKid = sealed.replace(ring.current.kid, other.current.kid);
    expect(await open(other, [ctx], forgedKid)).toEqual({ ok: false, reason: "forged" });
    expect(await open(ring, [ctx], "hello in the clear")).toEqual({ ok: false, reason: "legacy" });
    expect(await open(ring, [ctx], "fc1.nope")).toEqual({ ok: false, reason: "malformed" });
    expect(await open(ring, [ctx], `${sealed}=`)).toEqual({ ok: false, reason: "malformed" });
  });

  test("rotation: a ring with the old key opens old rows, the new key alone does not", async () => {
    const oldKey = generateContentKey();
    const newKey = generateContentKey();
    const before = await KeyRing.fromStored(oldKey);
    const after = await KeyRing.fromStored(newKey, [oldKey]);
    const oldRow = await seal(before.current, ctx, "written before the reset");
    const newRow = await seal(after.current, ctx, "written after the reset");
    expect(await open(after, [ctx], oldRow)).toEqual({ ok: true, text: "written before the reset" });
    expect(await open(before, [ctx], newRow)).toEqual({ ok: false, reason: "unknown-key" });
    expect(await open(await KeyRing.fromStored(newKey), [ctx], oldRow)).toEqual({ ok: false, reason: "unknown-key" });
  });

  test("session ids are keyed: another key gives another id for the same session key", async () => {
    const other = await KeyRing.fromStored(generateContentKey());
    const a = await sessionIdFor(ring.current, "agent:main:main");
    expect(isSessionId(a)).toBe(true);
    expect(a).toBe(await sessionIdFor(ring.current, "agent:main:main"));
    expect(a).not.toBe(await sessionIdFor(other.current, "agent:main:main"));
    expect(isSessionId("agent:main:main")).toBe(false);
    expect(sessionContext(a, "title")).toEqual({ sessionId: a, field: "title", row: "session" });
  });

  test("envelopeLength bounds the envelope of a plaintext of that many bytes", async () => {
    for (const text of ["", "a", "ab", "abc", "é".repeat(100), "x".repeat(65_536)]) {
      const sealed = await seal(ring.current, ctx, text);
      expect(sealed.length).toBeLessThanOrEqual(envelopeLength(new TextEncoder().encode(text).length));
      expect(sealed.length).toBeGreaterThanOrEqual(envelopeLength(new TextEncoder().encode(text).length) - 1);
    }
  });

  test("a stored key must be 32 bytes of canonical base64url", async () => {
    await expect(importContentKey("short")).rejects.toThrow(/not a valid content key/);
    await expect(importContentKey(`${generateContentKey().slice(0, 42)}=`)).rejects.toThrow(/not a valid content key/);
    expect(generateContentKey()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe("base64url", () => {
  test("round-trips every length and refuses non-canonical text", () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      const text = toBase64url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString("base64url"));
      expect(hex(fromBase64url(text)!)).toBe(hex(bytes));
    }
    expect(fromBase64url("A")).toBeNull();
    expect(fromBase64url("AB")).toBeNull(); // stray bits set
    expect(fromBase64url("AA==")).toBeNull();
    expect(fromBase64url("A+")).toBeNull();
  });
});
