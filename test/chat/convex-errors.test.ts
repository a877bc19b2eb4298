/** What Convex refused, in words: every pairing failure code, an unpaired device, and other errors passed through. */
import { ConvexError } from "convex/values";
import { ChatError, withTimeout } from "../../src/chat/chat-error.js";
import { claimError, deviceError } from "../../src/chat/convex-errors.js";

const convexError = (code: string, extra: Record<string, unknown> = {}) => new ConvexError({ code, message: `${code} happened`, ...extra });

test.each([
  ["PAIRING_INVALID", /unknown to the Convex deployment/],
  ["PAIRING_EXPIRED", /expired, was replaced/],
  ["PAIRING_ALREADY_CLAIMED", /already used by another device/],
  ["BAD_REQUEST", /Convex refused the pairing \(BAD_REQUEST: BAD_REQUEST happened\)/],
])("claim refused with %s", (code, message) => {
  const mapped = claimError(convexError(code));
  expect(mapped).toBeInstanceOf(ChatError);
  expect((mapped as ChatError).code).toBe("PAIRING_FAILED");
  expect((mapped as ChatError).message).toMatch(message);
  expect((mapped as ChatError).hint).toBeDefined();
});

test("rate limited: says when to try again", () => {
  const mapped = claimError(convexError("RATE_LIMITED", { retryAfterMs: 7 * 60_000 })) as ChatError;
  expect(mapped.message).toMatch(/too many failed pairing attempts/);
  expect(mapped.hint).toBe("Try again in about 7 min.");
});

test("a device call refused as UNAUTHORIZED: unpaired, pair again", () => {
  const mapped = deviceError(convexError("UNAUTHORIZED"), "/s/chat-device.json") as ChatError;
  expect(mapped.code).toBe("UNAUTHORIZED");
  expect(mapped.message).toMatch(/no longer accepts this chat device/);
  expect(mapped.hint).toContain("/s/chat-device.json");
  expect((deviceError(convexError("NOT_FOUND"), "f") as ChatError).message).toMatch(/NOT_FOUND/);
});

test("a send refused for the device's rate (or a quota): refused, not unreachable, and when to try again", () => {
  const limited = deviceError(convexError("RATE_LIMITED", { retryAfterMs: 1500 }), "f") as ChatError;
  expect(limited.code).toBe("REFUSED");
  expect(limited.message).toBe("Convex refused the request (RATE_LIMITED: RATE_LIMITED happened)");
  expect(limited.hint).toBe("Try again in 2 s.");
  expect((deviceError(convexError("QUOTA_EXCEEDED"), "f") as ChatError).code).toBe("REFUSED");
});

test("anything else passes through unchanged", () => {
  const plain = new Error("socket hang up");
  expect(claimError(plain)).toBe(plain);
  expect(deviceError(plain, "f")).toBe(plain);
});

test("withTimeout: a TIMEOUT ChatError naming what took too long", async () => {
  const error = await withTimeout(new Promise(() => undefined), 20, "asking Convex", "check the URL").catch((e: unknown) => e);
  expect(error).toMatchObject({ code: "TIMEOUT", hint: "check the URL" });
  expect((error as Error).message).toMatch(/asking Convex: no answer within 0 s/);
  await expect(withTimeout(Promise.resolve(5), 1000, "x")).resolves.toBe(5);
});
