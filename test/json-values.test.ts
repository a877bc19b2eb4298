/** The one set of typed reads of untrusted JSON: the Gateway's payloads and the chat client's pairing links use these. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { isRecord, nonEmptyStr, num, str } from "../src/json-values.js";
import { ROOT } from "./chat/relay-cli.js";
import { typeScriptFiles } from "./support/import-graph.js";

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

test("defined once: no other module of src/ writes its own isRecord, str, nonEmptyStr or num", () => {
  const src = path.join(ROOT, "src");
  const own = typeScriptFiles(src).flatMap((file) => {
    if (file === path.join(src, "json-values.ts")) return [];
    return [...readFileSync(file, "utf8").matchAll(/^(?:export )?(?:const|function) (isRecord|str|nonEmptyStr|num)\b/gm)].map((m) => `${path.relative(ROOT, file)}: ${m[1]}`);
  });
  expect(own).toEqual([]);
});
