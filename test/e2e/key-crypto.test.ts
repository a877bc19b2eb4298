/** Both crypto paths of a content key: node:crypto (Node processes) and Web Crypto (the web app) are interchangeable. */
import nodeCrypto from "node:crypto";
import { jest } from "@jest/globals";
import { nativeKeyCrypto, nonceSource, platformNativeCrypto, webKeyCrypto, type Bytes, type KeyCrypto, type NativeCrypto } from "../../src/e2e/key-crypto.js";
import { generateContentKey, importContentKey } from "../../src/e2e/content-key.js";
import { open, seal, type SealContext } from "../../src/e2e/envelope.js";
import { KeyRing } from "../../src/e2e/key-ring.js";
import { fileContext, openFile, sealFile } from "../../src/e2e/file-envelope.js";

const native = nodeCrypto as unknown as NativeCrypto;
const bytes = (n: number): Bytes => new Uint8Array(nodeCrypto.randomBytes(n));

describe("key crypto", () => {
  const enc = bytes(32);
  const sid = bytes(32);
  let paths: [string, KeyCrypto][];
  beforeAll(async () => {
    paths = [
      ["node:crypto", nativeKeyCrypto(native, enc, sid)],
      ["Web Crypto", await webKeyCrypto(globalThis.crypto.subtle, enc, sid)],
    ];
  });

  test("on Node the platform's crypto is node:crypto; without process.getBuiltinModule (a browser) there is none", () => {
    expect(platformNativeCrypto()).toBe(nodeCrypto);
    const saved = globalThis.process.getBuiltinModule;
    try {
      (globalThis.process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
      expect(platformNativeCrypto()).toBeUndefined();
    } finally {
      globalThis.process.getBuiltinModule = saved;
    }
  });

  test("both paths give the same ciphertext and MAC, and each opens the other's", async () => {
    const nonce = bytes(12);
    const aad = bytes(40);
    for (const size of [0, 1, 200, 70_000]) {
      const plain = bytes(size);
      const [a, b] = paths.map(([, crypto]) => crypto);
      const sealedA = await a!.encrypt(nonce, aad, plain);
      expect(Buffer.from(await b!.encrypt(nonce, aad, plain)).equals(Buffer.from(sealedA))).toBe(true);
      expect(sealedA.length).toBe(size + 16);
      expect(Buffer.from((await b!.decrypt(nonce, aad, sealedA))!).equals(Buffer.from(plain))).toBe(true);
      expect(Buffer.from((await a!.decrypt(nonce, aad, sealedA))!).equals(Buffer.from(plain))).toBe(true);
    }
    const data = bytes(33);
    expect(Buffer.from(await paths[0]![1].hmac(data)).toString("hex")).toBe(Buffer.from(await paths[1]![1].hmac(data)).toString("hex"));
    expect(Buffer.from(await paths[0]![1].hmac(data)).toString("hex")).toBe(nodeCrypto.createHmac("sha256", sid).update(data).digest("hex"));
  });

  test.each([0, 1])("a flipped bit, another AAD or a short input does not authenticate (path %i)", async (index) => {
    const crypto = paths[index]![1];
    const nonce = bytes(12);
    const aad = bytes(20);
    const sealed = await crypto.encrypt(nonce, aad, bytes(64));
    for (const at of [0, 63, 64, 79]) {
      const bad = new Uint8Array(sealed);
      bad[at]! ^= 1;
      expect(await crypto.decrypt(nonce, aad, bad)).toBeNull();
    }
    expect(await crypto.decrypt(nonce, bytes(20), sealed)).toBeNull();
    expect(await crypto.decrypt(bytes(12), aad, sealed)).toBeNull();
    expect(await crypto.decrypt(nonce, aad, sealed.subarray(0, 15))).toBeNull();
  });
});

describe("content keys over either path", () => {
  const ctx: SealContext = { sessionId: "s1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", field: "text", row: "app:m1" };

  test("text and file envelopes sealed by a Node process open in a browser and the other way round", async () => {
    const stored = generateContentKey();
    const onNode = await importContentKey(stored);
    const inBrowser = await importContentKey(stored, undefined);
    expect(onNode.kid).toBe(inBrowser.kid);
    for (const [from, to] of [
      [onNode, inBrowser],
      [inBrowser, onNode],
    ] as const) {
      expect(await open(KeyRing.of(to), [ctx], await seal(from, ctx, "héllo 👋"))).toEqual({ ok: true, text: "héllo 👋" });
      const file = bytes(5000);
      const opened = await openFile(KeyRing.of(to), fileContext(ctx.sessionId, "a1"), await sealFile(from, fileContext(ctx.sessionId, "a1"), file));
      expect(opened.ok && Buffer.from(opened.bytes).equals(Buffer.from(file))).toBe(true);
      expect(await openFile(KeyRing.of(to), fileContext(ctx.sessionId, "a2"), await sealFile(from, fileContext(ctx.sessionId, "a1"), file))).toEqual({ ok: false, reason: "forged" });
    }
  });
});

describe("nonces", () => {
  test("over node:crypto they are cut from a pool refilled from the CSPRNG: never repeated, never zero-filled", () => {
    let fills = 0;
    const counting = { ...(nodeCrypto as unknown as NativeCrypto), randomFillSync: (b: Uint8Array) => (fills++, nodeCrypto.randomFillSync(b)) };
    const next = nonceSource(counting, 12);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const nonce = next();
      expect(nonce.length).toBe(12);
      seen.add(Buffer.from(nonce).toString("hex"));
    }
    expect(seen.size).toBe(2000);
    expect(seen.has("00".repeat(12))).toBe(false);
    // 2000 × 12 bytes from 4,092-byte pools: 6 fills, not 2000 calls.
    expect(fills).toBe(Math.ceil((2000 * 12) / 4092));
  });

  test("a handed-out nonce is a copy: the pool's bytes are wiped and cannot change it", () => {
    const next = nonceSource(nodeCrypto as unknown as NativeCrypto, 12);
    const first = next();
    const copy = Buffer.from(first).toString("hex");
    for (let i = 0; i < 1000; i++) next();
    expect(Buffer.from(first).toString("hex")).toBe(copy);
  });

  test("without node:crypto (a browser) each nonce comes from crypto.getRandomValues", () => {
    const spy = jest.spyOn(globalThis.crypto, "getRandomValues");
    try {
      const nonce = nonceSource(undefined, 12)();
      expect(nonce.length).toBe(12);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });
});
