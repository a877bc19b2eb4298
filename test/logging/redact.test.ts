/** Redaction of credentials by shape (long hex, random base64url) and by value (the resolved Gateway token/password), without touching prose. */
import { randomBytes } from "node:crypto";
import { seededRandom } from "../../dev/devkit/seeded-random.js";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { RunRelayOptions } from "../../src/bridge/run-relay.js";
import { knownSecrets } from "../../src/logging/known-secrets.js";
import { MIN_BASE64URL_CREDENTIAL, MIN_HEX_CREDENTIAL, redactText } from "../../src/logging/redact.js";
import { cli, writeConfig } from "../cli/cli-helpers.js";
import { makeSandbox, SECRET, type Sandbox } from "../service/helpers.js";

let box: Sandbox;
beforeEach(() => {
  box = makeSandbox();
});
afterEach(() => box.cleanup());

test("a 48-hex Gateway token (OpenClaw's own format), lower or upper case, is masked in free text", () => {
  const token = randomBytes(24).toString("hex");
  expect(redactText(`gateway rejected ${token} for device`)).toBe("gateway rejected [redacted] for device");
  expect(redactText(`x=${token.toUpperCase()};`)).toBe("x=[redacted];");
  expect(redactText(`hex ${"a".repeat(MIN_HEX_CREDENTIAL)}`)).toBe("hex [redacted]");
  expect(redactText(`hex ${"a1".repeat((MIN_HEX_CREDENTIAL - 2) / 2)}`)).toBe(`hex ${"a1".repeat((MIN_HEX_CREDENTIAL - 2) / 2)}`);
});

test("random 32-byte base64url credentials are masked, also the ones without a digit (seeded: 5000 tokens)", () => {
  const random = seededRandom(13);
  const tokens = Array.from({ length: 5000 }, () => Buffer.from(Array.from({ length: 32 }, () => Math.floor(random() * 256))).toString("base64url"));
  const withoutDigit = tokens.filter((token) => !/[0-9]/.test(token));
  expect(withoutDigit.length).toBeGreaterThan(0);
  for (const token of tokens) expect(redactText(`claim ${token} now`)).toBe("claim [redacted] now");
  // Letters of both cases only, no digit: still random-looking (capitals next to capitals).
  expect(redactText("t kQZbXhTYpWmLrVnAEsdGUiOPcjFHRwqaeMNtzyKBvCD x")).toBe("t [redacted] x");
});

test("a token that holds a long hex stretch is masked whole, not around the stretch", () => {
  const token = `Qx7_${"ab12".repeat(9)}Zk-9T`;
  expect(redactText(`t ${token} end`)).toBe("t [redacted] end");
});

test("ordinary text stays as it is: identifiers, ids, paths, session keys, UUIDs", () => {
  const lines = [
    "SessionMutationAuthorizationChangedError: session changed before chat.send; retry the request",
    "chat.send failed: INVALID_REQUEST: GatewayRequestTimeoutErrorWithAVeryLongNameIndeed",
    "row 000000000000000000010006messages-mx923ikb delivered",
    "session agent:main:main run 0b5f2c7e-1b7d-4a9e-9f3e-2c1d5e6f7a8b, 42 messages",
    "state /tmp/fastclaw-pipeline-VdAe0E/state/runtime.json.9515.tmp",
    "a_very_long_snake_case_setting_name_for_the_relay_2024 is set",
    "MAX_OUTSTANDING_WRITES_BEFORE_THE_SPOOL_TAKES_OVER_1024 reached",
  ];
  for (const line of lines) expect(redactText(line)).toBe(line);
  expect(MIN_BASE64URL_CREDENTIAL).toBeLessThanOrEqual(43);
});

test("knownSecrets: the Gateway token from the environment or OpenClaw's config, not only from the relay's config", async () => {
  const openclaw = path.join(box.root, "openclaw.json");
  writeFileSync(openclaw, JSON.stringify({ gateway: { auth: { mode: "token", token: "${MY_GW_TOKEN}" } } }));
  const env = { ...box.env, OPENCLAW_CONFIG_PATH: openclaw, MY_GW_TOKEN: "from-openclaw-config" };
  expect(await knownSecrets(env, { instanceSecret: SECRET })).toEqual([SECRET, "from-openclaw-config"]);
  // auth.mode "token" sends the token; the password in the environment is masked all the same.
  expect(await knownSecrets({ ...env, OPENCLAW_GATEWAY_PASSWORD: "pw-from-env" }, {})).toEqual(["from-openclaw-config", "pw-from-env"]);
  // A config that cannot be resolved hides nothing and fails nothing here.
  writeFileSync(openclaw, "{ not json");
  expect(await knownSecrets(env, { instanceSecret: SECRET })).toEqual([SECRET]);
});

test("knownSecrets: every credential the config schema names, the registration key included", async () => {
  const config = { instanceSecret: SECRET, registrationKey: "registration-key-value", gateway: { url: "ws://127.0.0.1:9", token: "own-token" } };
  expect(await knownSecrets(box.env, config)).toEqual([SECRET, "registration-key-value", "own-token"]);
});

test("run: a Gateway token that comes from the environment, of no recognisable shape, never reaches the log", async () => {
  const token = "kitchen-tablet-gw-pass";
  writeConfig(box, { convexUrl: "http://127.0.0.1:9", instanceSecret: SECRET, contentKey: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8" });
  mkdirSync(box.stateDir, { recursive: true });
  const runRelay = async (options: RunRelayOptions): Promise<number> => {
    options.logger.warn(`gateway said: bad credentials ${token}`);
    options.logger.info("connect failed", { error: new Error(`auth ${token} refused`) });
    return 0;
  };
  const result = await cli(["run", "--no-log-stdout"], { env: { ...box.env, OPENCLAW_GATEWAY_TOKEN: token }, runRelay });
  expect(result.code).toBe(0);
  const log = readFileSync(path.join(box.stateDir, "logs", "relay.log"), "utf8");
  expect(log).toContain("gateway said: bad credentials [redacted]");
  expect(log).not.toContain(token);
});
