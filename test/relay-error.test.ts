/** One error shape: every error class under src/ that a person can see is a RelayError (code, message, hint). */
import { readFileSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "../src/config/errors.js";
import { RelayError } from "../src/relay-error.js";
import { ROOT } from "./chat/relay-cli.js";
import { typeScriptFiles } from "./support/import-graph.js";

/**
 * Errors that stay outside, and why: the Gateway's (gateway-errors.ts) are classified failures of the
 * connection, reshaped as data by the Gateway side (issue 17 item 1), never printed by the CLI as
 * such; WebLinkError and the codec's ContentKeyError (src/e2e) are bundled into the web app, which shows
 * its own words, and keep that bundle free of the CLI's error module.
 */
const OUTSIDE = new Set(["src/gateway/gateway-errors.ts", "src/pairing/web-link.ts", "src/e2e"]);

test("RelayError carries code, message and an optional hint, and is an Error with a stack", () => {
  const error = new RelayError("SOME_CODE", "what went wrong", "what to do");
  expect(error).toBeInstanceOf(Error);
  expect({ code: error.code, message: error.message, hint: error.hint }).toEqual({ code: "SOME_CODE", message: "what went wrong", hint: "what to do" });
  expect(new RelayError("X", "m").hint).toBeUndefined();
  expect(new RelayError("X", "m", undefined, { cause: "why" }).cause).toBe("why");
});

test("ConfigError keeps its hint out of the message", () => {
  const error = new ConfigError("CONFIG_INVALID", "/c.json", "`relay.logLevel` must be one of …", { key: "relay.logLevel", hint: "Fix the file." });
  expect(error).toBeInstanceOf(RelayError);
  expect(error.message).toBe("/c.json: `relay.logLevel` must be one of …");
  expect(error.hint).toBe("Fix the file.");
  expect(error.key).toBe("relay.logLevel");
});

test("no error class under src/ extends Error directly except RelayError (and the documented exceptions)", () => {
  const direct = typeScriptFiles(path.join(ROOT, "src")).flatMap((file) => {
    const where = path.relative(ROOT, file);
    if ([...OUTSIDE].some((prefix) => where === prefix || where.startsWith(`${prefix}/`))) return [];
    return [...readFileSync(file, "utf8").matchAll(/class\s+(\w+)(?:<[^>]*>)?\s+extends\s+Error\b/g)].map((m) => `${where}: ${m[1]}`);
  });
  expect(direct).toEqual(["src/relay-error.ts: RelayError"]);
});
