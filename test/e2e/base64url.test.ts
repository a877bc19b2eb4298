/** Base64url as the envelope spells it: unpadded, canonical, the same bytes as Node's own encoder, and nothing else accepted, on both paths. */
import { randomBytes } from "node:crypto";
import { base64urlCodec, fromBase64url, toBase64url, type Base64urlCodec } from "../../src/e2e/base64url.js";

// The relay (Node) takes the native path; browsers take btoa/atob. Both must spell and accept exactly the same.
const codecs: Array<[string, Base64urlCodec]> = [
  ["native (Node's Buffer)", base64urlCodec(Buffer)],
  ["btoa/atob (browsers)", base64urlCodec()],
];

test("in Node the module's own functions take the native path", () => {
  const bytes = new Uint8Array(randomBytes(100));
  expect(toBase64url(bytes)).toBe(Buffer.from(bytes).toString("base64url"));
  expect(fromBase64url(toBase64url(bytes))).toEqual(bytes);
});

describe.each(codecs)("%s", (_name, codec) => {
  test("every length round-trips and matches Node's base64url, including more than one native chunk and a view into a larger buffer", () => {
    for (const length of [0, 1, 2, 3, 4, 5, 31, 32, 33, 255, 0x8000 - 1, 0x8000, 0x8000 + 1, 65_536 + 28]) {
      const bytes = new Uint8Array(randomBytes(length));
      const text = codec.toBase64url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString("base64url"));
      const back = codec.fromBase64url(text);
      expect(back).toEqual(bytes);
      // The caller owns what it gets: a buffer of exactly these bytes, not a view into a shared pool.
      expect(back!.byteOffset).toBe(0);
      expect(back!.buffer.byteLength).toBe(length);
    }
    const whole = new Uint8Array(randomBytes(64));
    expect(codec.toBase64url(whole.subarray(10, 20))).toBe(Buffer.from(whole.subarray(10, 20)).toString("base64url"));
  });

  test("anything but a canonical unpadded string is refused: padding, stray bits, the other alphabet, a lone character", () => {
    expect(codec.fromBase64url("AA==")).toBeNull();
    expect(codec.fromBase64url("AB")).toBeNull(); // "B" leaves a set bit after the one byte
    expect(codec.fromBase64url("AAB")).toBeNull();
    expect(codec.fromBase64url("+/+/")).toBeNull();
    expect(codec.fromBase64url("A")).toBeNull();
    expect(codec.fromBase64url("AA AA")).toBeNull();
    expect(codec.fromBase64url("AA")).toEqual(new Uint8Array([0]));
    expect(codec.fromBase64url("-_-_")).toEqual(new Uint8Array([0xfb, 0xff, 0xbf]));
  });
});
