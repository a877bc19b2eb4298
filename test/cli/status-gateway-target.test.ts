/** `status` shows the Gateway mode, target URL and the source of each credential (text and --json), never a value. */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { makeSandbox, recorder, SECRET, type Sandbox } from "../service/helpers.js";
import { cli, writeConfig } from "./cli-helpers.js";

let box: Sandbox;
beforeEach(() => {
  box = makeSandbox();
});
afterEach(() => box.cleanup());

const notInstalled = () =>
  recorder((_c, args) => (args[1] === "show" ? { stdout: "LoadState=not-found\nActiveState=inactive\nSubState=dead\nMainPID=0" } : undefined)).runner;

const REMOTE_TOKEN = "remote-Token-0123456789-abcdef";
const ENV_PASSWORD = "env-Password-0123456789-abcdef";
const PIN = "0f".repeat(32);

function writeOpenClawConfig(text: string): string {
  const file = path.join(box.env.HOME!, ".openclaw", "openclaw.json");
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

test("remote mode: URL, pin and each credential's source in text and JSON; no credential value", async () => {
  writeConfig(box, { convexUrl: "http://127.0.0.1:9", instanceSecret: SECRET });
  const file = writeOpenClawConfig(
    `{gateway:{mode:"remote",remote:{url:"wss://gw.example:8443",token:"${REMOTE_TOKEN}",tlsFingerprint:"${PIN}"}}}`,
  );
  const env = { ...box.env, OPENCLAW_GATEWAY_PASSWORD: ENV_PASSWORD };
  const text = await cli(["status"], { env, runner: notInstalled() });
  expect(text.stdout).toMatch(
    new RegExp(
      `^Gateway target: +remote mode, wss://gw.example:8443 \\(from ${file} \\(gateway.remote.url\\)\\); token from ${file} \\(gateway.remote.token\\); ` +
        `password from OPENCLAW_GATEWAY_PASSWORD; TLS pin from ${file} \\(gateway.remote.tlsFingerprint\\)$`,
      "m",
    ),
  );
  const json = await cli(["status", "--json"], { env, runner: notInstalled() });
  expect(JSON.parse(json.stdout)).toMatchObject({
    gatewayTarget: {
      mode: "remote",
      url: "wss://gw.example:8443",
      tokenSource: `${file} (gateway.remote.token)`,
      passwordSource: "OPENCLAW_GATEWAY_PASSWORD",
      tlsPinSource: `${file} (gateway.remote.tlsFingerprint)`,
    },
  });
  for (const out of [text.stdout, text.stderr, json.stdout]) {
    expect(out).not.toContain(REMOTE_TOKEN);
    expect(out).not.toContain(ENV_PASSWORD);
  }
});

test("local mode with nothing configured: loopback default, no credentials", async () => {
  const text = await cli(["status"], { env: box.env, runner: notInstalled() });
  expect(text.stdout).toMatch(/^Gateway target: +local mode, ws:\/\/127\.0\.0\.1:18789 \(from default\); token from none; password from none$/m);
});

test("an unusable Gateway setting is shown with the key and counts as a problem", async () => {
  writeOpenClawConfig(`{gateway:{mode:"remote",remote:{url:"ws://192.168.7.7:18789"}}}`);
  const json = await cli(["status", "--json"], { env: box.env, runner: notInstalled() });
  const report = JSON.parse(json.stdout) as { gatewayTarget: { error: string }; problems: string[] };
  expect(report.gatewayTarget.error).toContain("gateway.remote.url");
  expect(report.problems.some((p) => p.startsWith("gateway settings:"))).toBe(true);
  const text = await cli(["status"], { env: box.env, runner: notInstalled() });
  expect(text.stdout).toMatch(/^Gateway target: +unusable: refusing plaintext ws:\/\//m);
});
