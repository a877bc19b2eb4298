import { clipBytes, clipChars } from "../../src/bridge/clip.js";

describe("clip", () => {
  test("text within the byte limit is untouched", () => {
    expect(clipBytes("héllo", 100)).toBe("héllo");
  });

  test("oversized text is cut to the byte limit on a character boundary and marked", () => {
    const text = "é".repeat(50_000); // 100,000 bytes
    const clipped = clipBytes(text, 64 * 1024);
    expect(Buffer.byteLength(clipped, "utf8")).toBeLessThanOrEqual(64 * 1024);
    expect(clipped).toMatch(/truncated by fastclaw-relay\]$/);
    expect(clipped).not.toContain("\uFFFD");
  });

  test("clipChars ends long strings with an ellipsis within the limit", () => {
    expect(clipChars("abcdef", 4)).toBe("abc…");
    expect(clipChars("abc", 4)).toBe("abc");
  });
});
