/** The one set of typed reads of untrusted JSON: the Gateway's payloads and the chat client's pairing links use these. */
import { isRecord, nonEmptyStr, num, str } from "../src/json-values.js";

test("isRecord takes plain objects only", () => {
  expect(isRecord({ a: 1 })).toBe(true);
  expect(isRecord([])).toBe(false);
  expect(isRecord(null)).toBe(false);
  expect(isRecord("x")).toBe(false);
});

test("str and nonEmptyStr: a string, and for nonEmptyStr not an empty one", () => {
  expect(str("")).toBe("");
  expect(str(1)).toBeUndefined();
  expect(nonEmptyStr("")).toBeUndefined();
  expect(nonEmptyStr("a")).toBe("a");
});

test("num: finite numbers only", () => {
  expect(num(0)).toBe(0);
  expect(num(Number.NaN)).toBeUndefined();
  expect(num(Number.POSITIVE_INFINITY)).toBeUndefined();
  expect(num("1")).toBeUndefined();
});
