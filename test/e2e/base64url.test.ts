/** Base64url as the envelope spells it: unpadded, canonical, the same bytes as Node's own encoder, and nothing else accepted. */
import { randomBytes } from "node:crypto";
import { fromBase64url, toBase64url } from "../../src/e2e/base64url.js";

test("every length round-trips and matches Node's base64url, including more than one native chunk", () => {
  for (const length of [0, 1, 2, 3, 4, 5, 31, 32, 33, 255, 0x8000 - 1, 0x8000, 0x8000 + 1, 65_536 + 28]) {
    const bytes = new Uint8Array(randomBytes(length));
    const text = toBase64url(bytes);
    expect(text).toBe(Buffer.from(bytes).toString("base64url"));
    expect(fromBase64url(text)).toEqual(bytes);
  }
});

test("anything but a canonical unpadded string is refused: padding, stray bits, the other alphabet, a lone character", () => {
  expect(fromBase64url("AA==")).toBeNull();
  expect(fromBase64url("AB")).toBeNull(); // "B" leaves a set bit after the one byte
  expect(fromBase64url("AAB")).toBeNull();
  expect(fromBase64url("+/+/")).toBeNull();
  expect(fromBase64url("A")).toBeNull();
  expect(fromBase64url("AA AA")).toBeNull();
  expect(fromBase64url("AA")).toEqual(new Uint8Array([0]));
  expect(fromBase64url("-_-_")).toEqual(new Uint8Array([0xfb, 0xff, 0xbf]));
});
