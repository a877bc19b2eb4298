/** The one reader of a ConvexError's data: takes the code (and what comes with it) only from a well-formed `data`. */
import { ConvexError } from "convex/values";
import { convexErrorCode, convexErrorData } from "../../src/convex-sync/convex-error.js";

test("reads code, message and retryAfterMs from a ConvexError's data", () => {
  const error = new ConvexError({ code: "RATE_LIMITED", message: "slow down", retryAfterMs: 1500 });
  expect(convexErrorData(error)).toEqual({ code: "RATE_LIMITED", message: "slow down", retryAfterMs: 1500 });
  expect(convexErrorCode(error)).toBe("RATE_LIMITED");
});

test("leaves out fields of the wrong type instead of passing them on", () => {
  const error = new ConvexError({ code: "UNAUTHORIZED", message: 42, retryAfterMs: "soon" });
  expect(convexErrorData(error)).toEqual({ code: "UNAUTHORIZED" });
});

test.each([
  ["a plain Error", new Error("fetch failed")],
  ["a ConvexError without a code", new ConvexError({ message: "no code" })],
  ["a ConvexError with a string as data", new ConvexError("just words")],
  ["a code that is not a string", { data: { code: 7 } }],
  ["null", null],
  ["a string", "UNAUTHORIZED"],
])("is undefined for %s", (_what, error) => {
  expect(convexErrorData(error)).toBeUndefined();
  expect(convexErrorCode(error)).toBeUndefined();
});
