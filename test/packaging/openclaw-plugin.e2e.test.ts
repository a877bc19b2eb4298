/**
 * The OpenClaw plugin against the real `openclaw` on a throwaway config and a dedicated Gateway (plugin
 * install rewrites the config, so the shared Gateway is left alone): install -l, `openclaw fastclaw …`
 * delegating to fastclaw-relay, and `openclaw gateway call fastclaw.status` answered by the Gateway process.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createLocalGateway, gatewayNodeBinary, type LocalGateway } from "../../dev/devkit/local-gateway.js";
import { e2eInfo } from "../support/gateway-fixture.js";
import { ROOT } from "../chat/relay-cli.js";
import { runProcess, type Ran } from "../support/run-process.js";

const PLUGIN_DIR = path.join(ROOT, "packaging", "openclaw-plugin");
const SECRET = "PluginE2eSecretPluginE2eSecretPluginE2eSec1";
const RELAY_GATEWAY_TOKEN = "relay-side-gateway-token-0123456789";

let dir: string;
let gateway: LocalGateway;
let gatewayRelayState: string;
let callerRelayState: string;

function openclaw(args: string[], extraEnv: Record<string, string> = {}, timeoutMs = 90_000): Promise<Ran> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: path.join(gateway.stateDir, "home"),
    OPENCLAW_STATE_DIR: gateway.stateDir,
    OPENCLAW_CONFIG_PATH: gateway.configPath,
    OPENCLAW_NO_AUTO_UPDATE: "1",
    OPENCLAW_DISABLE_BONJOUR: "1",
    ...extraEnv,
  };
  return runProcess(gatewayNodeBinary(ROOT), [path.join(ROOT, "node_modules", "openclaw", "openclaw.mjs"), ...args], {
    env,
    timeoutMs,
    label: `openclaw ${args.join(" ")}`,
  });
}

function writeRelayConfig(stateDir: string, instanceName: string): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const config = { convexUrl: "http://127.0.0.1:9", instanceSecret: SECRET, contentKey: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", instanceId: "inst-e2e", instanceName, gateway: { token: RELAY_GATEWAY_TOKEN } };
  writeFileSync(path.join(stateDir, "config.json"), JSON.stringify(config), { mode: 0o600 });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "fastclaw-plugin-e2e-"));
  // The Gateway process gets its own relay state dir, so an answer naming it came from that process.
  gatewayRelayState = path.join(dir, "relay-seen-by-gateway");
  callerRelayState = path.join(dir, "relay-seen-by-cli");
  writeRelayConfig(gatewayRelayState, "Seen by the Gateway");
  writeRelayConfig(callerRelayState, "Seen by the CLI");
  gateway = await createLocalGateway({
    modelBaseUrl: e2eInfo().stubModelBaseUrl,
    stateDir: path.join(dir, "gateway"),
    env: { FASTCLAW_STATE_DIR: gatewayRelayState },
  });
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await rm(dir, { recursive: true, force: true });
}, 60_000);

test("`openclaw plugins install -l` links the plugin into the config", async () => {
  const result = await openclaw(["plugins", "install", "-l", PLUGIN_DIR, "--force", "--accept-capabilities"]);
  expect(result.code).toBe(0);
  expect(`${result.stdout}${result.stderr}`).toMatch(/Linked plugin path: .*openclaw-plugin/);
  const config = JSON.parse(readFileSync(gateway.configPath, "utf8")) as { plugins?: { load?: { paths?: string[] }; entries?: Record<string, { enabled?: boolean }> } };
  expect(config.plugins?.load?.paths).toContain(PLUGIN_DIR);
  expect(config.plugins?.entries?.fastclaw?.enabled).toBe(true);
}, 120_000);

test("`openclaw fastclaw --help` lists pair, status and install", async () => {
  const result = await openclaw(["fastclaw", "--help"]);
  expect(result.code).toBe(0);
  for (const command of ["pair", "status", "install"]) expect(result.stdout).toMatch(new RegExp(`^\\s+${command}\\s`, "m"));
}, 120_000);

test("`openclaw fastclaw status --json` runs fastclaw-relay status (the package's own bin) and passes its exit code on", async () => {
  const result = await openclaw(["fastclaw", "status", "--json"], { FASTCLAW_STATE_DIR: callerRelayState });
  expect(result.code).toBe(0);
  const report = JSON.parse(result.stdout) as { config: { file: string }; pairing: { instanceName?: string }; healthy: boolean };
  expect(report.config.file).toBe(path.join(callerRelayState, "config.json"));
  expect(report.pairing.instanceName).toBe("Seen by the CLI");
  expect(result.stdout).not.toContain(SECRET);
  expect(result.stdout).not.toContain(RELAY_GATEWAY_TOKEN);
  const unhealthy = await openclaw(["fastclaw", "status", "--require-healthy"], { FASTCLAW_STATE_DIR: callerRelayState });
  expect(unhealthy.code).toBe(1);
}, 120_000);

test("a fastclaw-relay that cannot be run: exit 127 with what to do", async () => {
  const result = await openclaw(["fastclaw", "status"], { FASTCLAW_RELAY_BIN: path.join(dir, "no-such-fastclaw-relay") });
  expect(result.code).toBe(127);
  expect(result.stderr).toMatch(/cannot run fastclaw-relay \(FASTCLAW_RELAY_BIN\)/);
}, 120_000);

test("the skill installs into OpenClaw and is eligible", async () => {
  const install = await openclaw(["skills", "install", path.join(ROOT, "packaging", "openclaw-skill"), "--global"]);
  expect(install.code).toBe(0);
  const info = await openclaw(["skills", "info", "fastclaw", "--json"]);
  expect(info.code).toBe(0);
  expect(JSON.parse(info.stdout)).toMatchObject({ name: "fastclaw", eligible: true, missing: { bins: [] }, install: [{ kind: "node" }] });
}, 120_000);

test("`openclaw gateway call fastclaw.status` is answered by the Gateway process, with no secrets", async () => {
  await gateway.start();
  const result = await openclaw(["gateway", "call", "fastclaw.status", "--json"]);
  expect(result.code).toBe(0);
  const answer = JSON.parse(result.stdout) as { relay: { config: { file: string }; pairing: { instanceName?: string }; relayVersion: string }; binary: string };
  // The Gateway's environment (FASTCLAW_STATE_DIR set only for it), not the caller's.
  expect(answer.relay.config.file).toBe(path.join(gatewayRelayState, "config.json"));
  expect(answer.relay.pairing.instanceName).toBe("Seen by the Gateway");
  expect(answer.binary).toMatch(/the fastclaw-relay package/);
  expect(result.stdout).not.toContain(SECRET);
  expect(result.stdout).not.toContain(RELAY_GATEWAY_TOKEN);
}, 180_000);
