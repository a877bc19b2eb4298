/**
 * The published shape: `npm pack` (which builds dist/ through `prepare`) holds the built code, bin/,
 * convex/ and packaging/, and none of the dev-only tools of dev/; installed with --omit=dev into an
 * empty directory, the command runs without any devDependency (its Convex client pairs with a local
 * Convex server), and the OpenClaw plugin inside it works with the real `openclaw`.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gatewayNodeBinary } from "../../dev/devkit/local-gateway.js";
import type { LocalConvexServer } from "../../dev/local-convex/index.js";
import { LOCAL_CONVEX_REGISTRATION_KEY, REGISTRATION_KEY_ENV } from "../../dev/local-convex/registration-key.js";
import { ROOT } from "../chat/relay-cli.js";
import { claimAsApp, startServer } from "../pairing/pair-helpers.js";

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], options: { cwd: string; env: Record<string, string>; timeoutMs?: number }): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    const timeoutMs = options.timeoutMs ?? 120_000;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} did not finish in ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: string;
let tarball: string;
let packedFiles: string[];
let app: string;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "fastclaw-pack-e2e-"));
  // npm itself needs a HOME; a throwaway one, never the real home. Its download cache is kept between
  // runs in node_modules/.cache (not the temp dir, which a run must leave as it found it). The machine's way
  // to the registry (proxy, extra CA certificates, registry mirror) is kept, or npm retries forever.
  env = { PATH: process.env.PATH ?? "", HOME: path.join(dir, "home"), npm_config_cache: path.join(ROOT, "node_modules", ".cache", "fastclaw-e2e-npm-cache") };
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && /^(https?_proxy|no_proxy|node_extra_ca_certs|ssl_cert_file|ssl_cert_dir|npm_config_registry)$/i.test(key)) env[key] = value;
  }
  mkdirSync(env.HOME!, { recursive: true });
  const packed = await run("npm", ["pack", "--pack-destination", dir, "--json"], { cwd: ROOT, env, timeoutMs: 180_000 });
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
  // `prepare` (tsc) prints nothing on success, so stdout is the JSON.
  const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = path.join(dir, info[0]!.filename);
  packedFiles = info[0]!.files.map((f) => f.path);
  app = path.join(dir, "app");
  mkdirSync(app);
  writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "empty-app", version: "1.0.0", private: true }));
  const installed = await run("npm", ["install", tarball, "--omit=dev", "--no-audit", "--no-fund"], { cwd: app, env, timeoutMs: 240_000 });
  if (installed.code !== 0) throw new Error(`npm install failed:\n${installed.stderr}`);
}, 420_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("the tarball holds the built code, bin/, convex/ and packaging/ (plugin and skill), and no sources or tests", () => {
  for (const file of [
    "package.json",
    "README.md",
    "LICENSE",
    "bin/fastclaw-relay.js",
    "dist/src/cli/main.js",
    "dist/src/cli/commands/chat.js",
    "dist/src/chat/chat-link.js",
    "dist/src/bridge/run-relay.js",
    "dist/convex/schema.js",
    "convex/schema.ts",
    "convex/pairing.ts",
    "packaging/openclaw-plugin/package.json",
    "packaging/openclaw-plugin/openclaw.plugin.json",
    "packaging/openclaw-plugin/index.js",
    "packaging/openclaw-plugin/relay-bin.js",
    "packaging/openclaw-plugin/status-cache.js",
    "packaging/openclaw-skill/SKILL.md",
    "packaging/systemd/fastclaw-relay.service.in",
    "packaging/launchd/ai.fastclaw.relay.plist.in",
  ]) {
    expect(packedFiles).toContain(file);
  }
  expect(packedFiles.filter((f) => /^(src|dev|test|scripts|bench|web\/src|node_modules|\.test-artifacts)\//.test(f))).toEqual([]);
});

test("the tarball holds none of the dev-only tools (local Convex server, devkit, trial: they need convex-test)", () => {
  expect(packedFiles.filter((f) => /^dist\/(?!src\/|convex\/)/.test(f) || /(^|\/)(local-convex|devkit|trial)\//.test(f))).toEqual([]);
  expect(packedFiles.filter((f) => f.startsWith("dist/src/")).length).toBeGreaterThan(50);
});

test("installed with --omit=dev: no devDependency is there, and `fastclaw-relay --help` works", async () => {
  for (const dev of ["convex-test", "openclaw", "jest", "typescript", "plist"]) expect(existsSync(path.join(app, "node_modules", dev))).toBe(false);
  const help = await run(process.execPath, [path.join(app, "node_modules", ".bin", "fastclaw-relay"), "--help"], { cwd: app, env });
  expect(help.code).toBe(0);
  for (const command of ["pair", "install", "status", "logs", "run", "chat"]) expect(help.stdout).toMatch(new RegExp(`fastclaw-relay ${command} `));
  expect(help.stderr).toBe("");
}, 60_000);

test("installed: `fastclaw-relay status --json` reports a fresh install (exit 0), `chat` says it is not paired (exit 1)", async () => {
  const bin = path.join(app, "node_modules", ".bin", "fastclaw-relay");
  const status = await run(process.execPath, [bin, "status", "--json"], { cwd: app, env });
  expect(status.code).toBe(0);
  const report = JSON.parse(status.stdout) as { config: { state: string; file: string }; healthy: boolean; relayVersion: string };
  expect(report.config).toMatchObject({ state: "missing", file: path.join(env.HOME!, ".openclaw", "fastclaw", "config.json") });
  expect(report.healthy).toBe(false);
  const chat = await run(process.execPath, [bin, "chat", "--status"], { cwd: app, env });
  expect(chat.code).toBe(1);
  expect(chat.stderr).toMatch(/this chat client is not paired yet/);
}, 60_000);

test("installed: `pair --json` registers with a local Convex server and is claimed by the app, then `status --json` reaches Convex through the installed client", async () => {
  const bin = path.join(app, "node_modules", ".bin", "fastclaw-relay");
  const home = path.join(dir, "home-paired");
  mkdirSync(home, { recursive: true });
  const pairedEnv = { ...env, HOME: home, [REGISTRATION_KEY_ENV]: LOCAL_CONVEX_REGISTRATION_KEY };
  const server: LocalConvexServer = await startServer();
  try {
    const child = spawn(process.execPath, [bin, "pair", "--json", "--convex-url", server.url, "--name", "Packed"], { cwd: app, env: pairedEnv, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let claimed: Promise<unknown> | undefined;
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      const line = stdout.split("\n").find((l) => l.includes('"event":"pairing"'));
      if (line && !claimed) claimed = claimAsApp((JSON.parse(line) as { payload: string }).payload, "Packed phone", "android");
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    await claimed;
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout.trim().split("\n").map((l) => (JSON.parse(l) as { event: string }).event)).toEqual(["registered", "pairing", "claimed"]);
    const status = await run(process.execPath, [bin, "status", "--json"], { cwd: app, env: pairedEnv });
    const report = JSON.parse(status.stdout) as { convex: { url: string; reachable: boolean }; pairing: { instanceName?: string; pairedDevices?: number } };
    expect(report.convex).toMatchObject({ url: server.url, reachable: true });
    expect(report.pairing).toMatchObject({ instanceName: "Packed", pairedDevices: 1 });
  } finally {
    await server.stop();
  }
}, 120_000);

test("the plugin from the installed package links into the real openclaw and runs that package's fastclaw-relay", async () => {
  const stateDir = path.join(dir, "openclaw-state");
  mkdirSync(stateDir, { recursive: true });
  const configPath = path.join(stateDir, "openclaw.json");
  writeFileSync(configPath, JSON.stringify({ gateway: { mode: "local", port: 9, auth: { mode: "token", token: "unused-token-123" } }, update: { checkOnStart: false } }));
  const ocEnv = { ...env, OPENCLAW_STATE_DIR: stateDir, OPENCLAW_CONFIG_PATH: configPath, OPENCLAW_NO_AUTO_UPDATE: "1", FASTCLAW_STATE_DIR: path.join(dir, "relay-state") };
  const openclaw = (args: string[]) => run(gatewayNodeBinary(ROOT), [path.join(ROOT, "node_modules", "openclaw", "openclaw.mjs"), ...args], { cwd: dir, env: ocEnv });
  const pluginDir = path.join(app, "node_modules", "fastclaw-relay", "packaging", "openclaw-plugin");
  const install = await openclaw(["plugins", "install", "-l", pluginDir, "--force", "--accept-capabilities"]);
  expect(install.code).toBe(0);
  const status = await openclaw(["fastclaw", "status", "--json"]);
  expect(status.code).toBe(0);
  expect(JSON.parse(status.stdout)).toMatchObject({ config: { file: path.join(dir, "relay-state", "config.json"), state: "missing" } });
}, 120_000);
