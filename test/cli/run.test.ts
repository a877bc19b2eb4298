/** `run` in-process: exit 78 on unusable config (naming path and key), runRelay wiring, logging without secrets. */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { RunRelayOptions } from "../../src/bridge/run-relay.js";
import { GATEWAY_TOKEN, makeSandbox, SECRET, type Sandbox } from "../service/helpers.js";
import { cli, writeConfig } from "./cli-helpers.js";

let box: Sandbox;
beforeEach(() => {
  box = makeSandbox();
});
afterEach(() => box.cleanup());

const logFile = (): string => readFileSync(path.join(box.stateDir, "logs", "relay.log"), "utf8");

test("not paired: exit 78, names the config path and says to pair first; relay.log says why", async () => {
  let called = false;
  const runRelay = async (): Promise<number> => {
    called = true;
    return 0;
  };
  const result = await cli(["run"], { env: box.env, runRelay });
  expect(result.code).toBe(78);
  expect(result.stderr).toContain(box.configFile);
  expect(result.stderr).toContain("run `fastclaw-relay pair` first");
  expect(called).toBe(false);
  expect(logFile()).toMatch(/error not starting: .*config\.json: does not exist/);
});

test("a config with a bad key: exit 78 naming the key; the file is untouched", async () => {
  const text =
    '{"convexUrl": "https://x.convex.cloud", "instanceSecret": "' + SECRET + '", "relay": {"streamWritesPerSecond": "fast"}}';
  writeConfig(box, text);
  const result = await cli(["run"], { env: box.env, runRelay: async () => 0 });
  expect(result.code).toBe(78);
  expect(result.stderr).toContain("`relay.streamWritesPerSecond` must be a number");
  expect(result.stderr).not.toContain(SECRET);
  expect(readFileSync(box.configFile, "utf8")).toBe(text);
});

test("--config-error-exit-code 0 (the LaunchAgent's) exits 0 with the same message", async () => {
  const result = await cli(["run", "--config-error-exit-code", "0"], { env: box.env });
  expect(result.code).toBe(0);
  expect(result.stderr).toContain("fastclaw-relay pair");
});

test("a usable config: runRelay gets config, paths, env and a signal; its exit code is returned", async () => {
  writeConfig(box, {
    convexUrl: "http://127.0.0.1:9",
    instanceSecret: SECRET,
    contentKey: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
    gateway: { url: "ws://127.0.0.1:1", token: GATEWAY_TOKEN },
    relay: { logLevel: "debug" },
  });
  const controller = new AbortController();
  let seen: RunRelayOptions | undefined;
  const runRelay = async (options: RunRelayOptions): Promise<number> => {
    seen = options;
    options.logger.info(`connecting with token ${GATEWAY_TOKEN}`, { relaySecret: SECRET, text: "hello from the phone" });
    options.logger.debug("message detail", { text: "hello from the phone" });
    setTimeout(() => controller.abort(), 10);
    await new Promise<void>((resolve) => options.signal.addEventListener("abort", () => resolve()));
    return 3;
  };
  const result = await cli(["run", "--no-log-stdout"], { env: box.env, runRelay, signal: controller.signal });
  expect(result.code).toBe(3);
  expect(seen?.config).toEqual({
    convexUrl: "http://127.0.0.1:9",
    instanceSecret: SECRET,
    contentKey: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
    gateway: { url: "ws://127.0.0.1:1", token: GATEWAY_TOKEN },
    relay: {},
  });
  expect(seen?.paths.configFile).toBe(box.configFile);
  expect(seen?.env).toBe(box.env);
  // reloadSecret reads the config again (pair --reset may have rotated the secret meanwhile).
  writeConfig(box, { convexUrl: "http://127.0.0.1:9", instanceSecret: "R".repeat(43), contentKey: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8" });
  expect(await seen?.reloadSecret?.()).toEqual({ instanceSecret: "R".repeat(43), contentKey: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8" });
  const log = logFile();
  expect(log).toContain("fastclaw-relay starting");
  expect(log).toContain("shutting down (requested)");
  expect(log).toContain('fastclaw-relay stopped {"exitCode":3}');
  expect(log).not.toContain(SECRET);
  expect(log).not.toContain(GATEWAY_TOKEN);
  // Chat text only at debug level (this config asked for debug).
  expect(log).toMatch(/info connecting with token \[redacted\] .*"text":"\[20 chars\]"/);
  expect(log).toMatch(/debug message detail .*"text":"hello from the phone"/);
  expect(result.stdout).toBe(""); // --no-log-stdout
});

test("FASTCLAW_CONVEX_URL reaches runRelay instead of the file's URL", async () => {
  writeConfig(box);
  let url: string | undefined;
  const result = await cli(["run"], {
    env: { ...box.env, FASTCLAW_CONVEX_URL: "https://env.convex.cloud" },
    runRelay: async (o) => {
      url = o.config.convexUrl;
      return 0;
    },
  });
  expect(result.code).toBe(0);
  expect(url).toBe("https://env.convex.cloud");
  expect(result.stdout).toContain("fastclaw-relay starting"); // stdout logging is on by default (journald)
});

test("a runRelay that throws: exit 1, logged", async () => {
  writeConfig(box);
  const result = await cli(["run"], {
    env: box.env,
    runRelay: async () => {
      throw new Error(`boom with ${SECRET}`);
    },
  });
  expect(result.code).toBe(1);
  expect(logFile()).toMatch(/error relay failed .*boom with \[redacted\]/);
});

test("OpenClaw's Gateway settings unusable: exit 78 naming the setting (no restart into the same error), relay.log says why", async () => {
  writeConfig(box); // no gateway section: the relay reads OpenClaw's config
  mkdirSync(path.join(box.env.HOME!, ".openclaw"), { recursive: true });
  const openclawConfig = path.join(box.env.HOME!, ".openclaw", "openclaw.json");
  writeFileSync(openclawConfig, '{ gateway: { mode: "bogus" } }');
  const result = await cli(["run", "--no-log-stdout"], { env: box.env });
  expect(result.code).toBe(78);
  expect(result.stderr).toBe(`fastclaw-relay: gateway.mode in ${openclawConfig} is "bogus"; expected "local" or "remote"\n`);
  expect(logFile()).toContain(`not starting: gateway.mode in ${openclawConfig} is "bogus"`);
  // The LaunchAgent's KeepAlive restarts on any exit but 0: it passes 0 for this.
  expect((await cli(["run", "--no-log-stdout", "--config-error-exit-code", "0"], { env: box.env })).code).toBe(0);
});

test("a damaged device identity file: exit 78, the file named and what to do on its own line", async () => {
  writeConfig(box, { convexUrl: "http://127.0.0.1:9", instanceSecret: SECRET, contentKey: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", gateway: { url: "ws://127.0.0.1:1", token: GATEWAY_TOKEN } });
  const identityFile = path.join(box.stateDir, "device-identity.json");
  writeFileSync(identityFile, "not json", { mode: 0o600 });
  const result = await cli(["run", "--no-log-stdout"], { env: box.env });
  expect(result.code).toBe(78);
  expect(result.stderr.split("\n")).toEqual([
    `fastclaw-relay: device identity file ${identityFile} is unusable (not valid JSON).`,
    expect.stringMatching(/^It is the relay's identity towards the Gateway: restore it from a backup, or delete it/),
    "",
  ]);
  expect(readFileSync(identityFile, "utf8")).toBe("not json");
});

test("a second run on the same state dir is refused while the first lives, and takes over once it is gone", async () => {
  writeConfig(box, { convexUrl: "http://127.0.0.1:9", instanceSecret: SECRET, contentKey: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", gateway: { url: "ws://127.0.0.1:1", token: GATEWAY_TOKEN } });
  // A real live process whose command line names fastclaw-relay, as the first relay's would.
  const holder = spawn(process.execPath, ["-e", "setInterval(() => {}, 60_000)", "fastclaw-relay"], { stdio: "ignore" });
  const lockFile = path.join(box.stateDir, "relay.lock");
  try {
    writeFileSync(lockFile, JSON.stringify({ pid: holder.pid, startedAt: Date.now() }));
    let called = false;
    const refused = await cli(["run", "--no-log-stdout"], { env: box.env, runRelay: async () => ((called = true), 0) });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`another fastclaw-relay run (pid ${holder.pid}) is already using this state dir`);
    expect(refused.stderr).toContain(lockFile);
    expect(called).toBe(false);
    expect(logFile()).toContain(`not starting: another fastclaw-relay run (pid ${holder.pid})`);
    expect(JSON.parse(readFileSync(lockFile, "utf8")).pid).toBe(holder.pid);
  } finally {
    holder.kill("SIGKILL");
    await new Promise((resolve) => holder.once("exit", resolve));
  }
  let lockDuringRun: unknown;
  const ran = await cli(["run", "--no-log-stdout"], {
    env: box.env,
    runRelay: async () => {
      lockDuringRun = JSON.parse(readFileSync(lockFile, "utf8"));
      return 0;
    },
  });
  expect(ran.code).toBe(0);
  expect(lockDuringRun).toEqual({ pid: process.pid, startedAt: expect.any(Number) });
  expect(existsSync(lockFile)).toBe(false);
});
