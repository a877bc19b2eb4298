/** Reading config.json: errors name the file and the key, never echo secrets, never modify the file. */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { ConfigError } from "../../src/config/errors.js";
import { loadConfig, requireRunnable } from "../../src/config/load.js";
import { makeSandbox, SECRET, type Sandbox } from "../service/helpers.js";

let box: Sandbox;
beforeEach(() => {
  box = makeSandbox();
  mkdirSync(box.stateDir, { recursive: true });
});
afterEach(() => box.cleanup());

function write(text: string): void {
  writeFileSync(box.configFile, text);
}

async function loadError(env = box.env): Promise<ConfigError> {
  const error = await loadConfig(env).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

test("a missing file is an empty config, and run says to pair first (in the hint, not the message)", async () => {
  const loaded = await loadConfig(box.env);
  expect(loaded).toMatchObject({ exists: false, data: {}, file: box.configFile });
  const error = (() => {
    try {
      requireRunnable(loaded);
    } catch (e) {
      return e as ConfigError;
    }
    throw new Error("expected a ConfigError");
  })();
  expect(error.code).toBe("CONFIG_MISSING");
  expect(error.message).toBe(`${box.configFile}: does not exist`);
  expect(error.hint).toContain("fastclaw-relay pair");
});

test("a valid file loads, and requireRunnable returns what run needs", async () => {
  write(
    JSON.stringify({
      convexUrl: "https://x.convex.cloud",
      instanceSecret: SECRET,
      contentKey: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
      instanceId: "i1",
      gateway: { url: "ws://127.0.0.1:1" },
      relay: { logLevel: "debug", backfillPerSession: 5, maxConcurrentSessions: 2 },
      registrationKey: "the-deployments-registration-key-0123456789",
    }),
  );
  const loaded = await loadConfig(box.env);
  // The registration key is for `pair` only: `run` never gets it.
  expect(requireRunnable(loaded)).toEqual({
    convexUrl: "https://x.convex.cloud",
    instanceSecret: SECRET,
    contentKey: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
    instanceId: "i1",
    gateway: { url: "ws://127.0.0.1:1" },
    relay: { backfillPerSession: 5, maxConcurrentSessions: 2 },
  });
});

test("invalid JSON names the file and the line, and the bytes stay exactly as they were", async () => {
  const text = `{\n  "convexUrl": "https://x.convex.cloud",\n  "instanceSecret": "${SECRET}"\n  "oops": 1\n}`;
  write(text);
  const error = await loadError();
  expect(error.code).toBe("CONFIG_NOT_JSON");
  expect(error.message).toContain(box.configFile);
  expect(error.message).toMatch(/line 4, column 3/);
  expect(error.message).not.toContain(SECRET);
  expect(readFileSync(box.configFile, "utf8")).toBe(text);
});

test("an empty file is reported as empty", async () => {
  write("");
  expect((await loadError()).message).toContain("the file is empty");
});

test.each([
  [{ relay: { logLevel: "loud" } }, "relay.logLevel", /must be one of error, warn, info, debug \(found "loud"\)/],
  [{ relay: { maxMessageAgeMs: 1.5 } }, "relay.maxMessageAgeMs", /must be an integer/],
  [{ relay: { maxConcurrentSessions: 0 } }, "relay.maxConcurrentSessions", /at least 1/],
  [{ registrationKey: 42 }, "registrationKey", /must be a string \(value hidden\)/],
  [{ convexUrl: "ftp://x" }, "convexUrl", /wrong format.*http\(s\):\/\/ URL/],
  [{ gateway: { url: "http://x" } }, "gateway.url", /ws\(s\):\/\/ URL/],
  [{ convexUrl: "https://x", colour: "blue" }, "colour", /not a known setting/],
  [{ gateway: { tokn: "x" } }, "gateway.tokn", /not a known setting/],
  [{ instanceSecret: 42 }, "instanceSecret", /must be a string \(value hidden\)/],
  [[1, 2], undefined, /must hold a JSON object/],
])("schema violation %j names the key %s", async (data, key, problem) => {
  const text = JSON.stringify(data);
  write(text);
  const error = await loadError();
  expect(error.code).toBe("CONFIG_INVALID");
  expect(error.message).not.toContain("\n");
  expect(error.key).toBe(key);
  if (key) expect(error.message).toContain(`\`${key}\``);
  expect(error.message).toMatch(problem);
  expect(error.message).toContain(box.configFile);
  expect(readFileSync(box.configFile, "utf8")).toBe(text);
});

test("a malformed secret is reported without showing it", async () => {
  const bad = "short-but-secret-value";
  write(JSON.stringify({ instanceSecret: bad, gateway: { token: "" } }));
  const error = await loadError();
  expect(error.key).toBe("instanceSecret");
  expect(error.message).toContain("value hidden");
  expect(error.message).not.toContain(bad);
  expect(error.message).toContain("and 1 more problem");
});

test("a directory where the file should be is unreadable, with a hint", async () => {
  mkdirSync(box.configFile);
  const error = await loadError();
  expect(error.code).toBe("CONFIG_UNREADABLE");
  expect(error.message).toBe(`${box.configFile}: cannot be read (EISDIR)`);
  expect(error.hint).toMatch(/permissions/);
});

test("FASTCLAW_CONVEX_URL and FASTCLAW_INSTANCE_ID override the file", async () => {
  write(JSON.stringify({ convexUrl: "https://file.convex.cloud", instanceSecret: SECRET, instanceId: "file" }));
  const loaded = await loadConfig({ ...box.env, FASTCLAW_CONVEX_URL: "http://127.0.0.1:3210", FASTCLAW_INSTANCE_ID: "env" });
  expect(loaded.data.convexUrl).toBe("https://file.convex.cloud");
  expect(loaded.effective).toMatchObject({ convexUrl: "http://127.0.0.1:3210", instanceId: "env" });
  expect(loaded.overrides).toEqual({ convexUrl: "FASTCLAW_CONVEX_URL", instanceId: "FASTCLAW_INSTANCE_ID" });
  // An empty variable is no override.
  expect((await loadConfig({ ...box.env, FASTCLAW_CONVEX_URL: "" })).effective.convexUrl).toBe("https://file.convex.cloud");
});

test("an invalid override names the variable", async () => {
  const error = await loadError({ ...box.env, FASTCLAW_CONVEX_URL: "not a url" });
  expect(error.source).toBe("environment variable FASTCLAW_CONVEX_URL");
  expect(error.key).toBe("convexUrl");
});

test("a config without the secret or the URL is 'not paired' / 'convexUrl missing'", async () => {
  write(JSON.stringify({ convexUrl: "https://x.convex.cloud" }));
  const refusal = (effective: { convexUrl?: string; instanceSecret?: string }): ConfigError => {
    try {
      requireRunnable({ file: box.configFile, exists: true, data: {}, effective, overrides: {} });
    } catch (error) {
      return error as ConfigError;
    }
    throw new Error("expected a ConfigError");
  };
  expect(refusal({ convexUrl: "https://x" })).toMatchObject({ code: "CONFIG_INCOMPLETE", key: "instanceSecret", message: `${box.configFile}: \`instanceSecret\` is missing` });
  expect(refusal({ convexUrl: "https://x" }).hint).toMatch(/fastclaw-relay pair/);
  expect(refusal({ instanceSecret: SECRET })).toMatchObject({ code: "CONFIG_INCOMPLETE", key: "convexUrl", message: `${box.configFile}: \`convexUrl\` is missing` });
  expect(refusal({ instanceSecret: SECRET }).hint).toMatch(/--convex-url/);
  // A relay paired before end-to-end encryption: `pair` makes its key (and devices pair again).
  expect(refusal({ instanceSecret: SECRET, convexUrl: "https://x" })).toMatchObject({ code: "CONFIG_INCOMPLETE", key: "contentKey" });
  expect(refusal({ instanceSecret: SECRET, convexUrl: "https://x" }).hint).toMatch(/fastclaw-relay pair/);
});
