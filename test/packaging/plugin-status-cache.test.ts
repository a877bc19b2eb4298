/** The plugin's `fastclaw.status` method: however many callers at once, one `fastclaw-relay status --json` process serves them. */
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
// @ts-expect-error -- plain JavaScript shipped as-is in packaging/ (checked by these tests, not by tsc)
import plugin from "../../packaging/openclaw-plugin/index.js";
// @ts-expect-error -- plain JavaScript shipped as-is in packaging/
import * as cache from "../../packaging/openclaw-plugin/status-cache.js";

const { singleFlight, STATUS_CACHE_MS } = cache as {
  singleFlight<T>(run: () => Promise<T>, options?: { ttlMs?: number; now?: () => number }): () => Promise<T>;
  STATUS_CACHE_MS: number;
};

type Respond = (ok: boolean, payload?: unknown, error?: { code: string; message: string }) => void;
type Handler = (request: { respond: Respond }) => Promise<void>;

let dir: string;
let savedEnv: Record<string, string | undefined>;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fcr-plugin-status-"));
  savedEnv = { FASTCLAW_RELAY_BIN: process.env.FASTCLAW_RELAY_BIN };
});
afterEach(() => {
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  rmSync(dir, { recursive: true, force: true });
});

/** A `fastclaw-relay` stand-in that records each start in `spawns` and answers after `delayMs`. */
function fakeRelay(delayMs: number): { spawns: () => number } {
  const log = path.join(dir, "spawns");
  const bin = path.join(dir, "fastclaw-relay");
  writeFileSync(
    bin,
    `#!${process.execPath}\nrequire("node:fs").appendFileSync(${JSON.stringify(log)}, "x");\n` +
      `setTimeout(() => process.stdout.write(JSON.stringify({ relayVersion: "9", args: process.argv.slice(2) })), ${delayMs});\n`,
  );
  chmodSync(bin, 0o755);
  process.env.FASTCLAW_RELAY_BIN = bin;
  return { spawns: () => (existsSync(log) ? readFileSync(log, "utf8").length : 0) };
}

/** Registers the real plugin entry against a stand-in api and returns its `fastclaw.status` handler. */
function statusHandler(): Handler {
  let handler: Handler | undefined;
  const api = {
    rootDir: path.join(dir, "plugin-copy"),
    registerCli: () => undefined,
    registerGatewayMethod: (name: string, fn: Handler) => {
      if (name === "fastclaw.status") handler = fn;
    },
  };
  mkdirSync(api.rootDir);
  (plugin as { register(api: unknown): void }).register(api);
  if (!handler) throw new Error("fastclaw.status was not registered");
  return handler;
}

function call(handler: Handler): Promise<{ ok: boolean; payload?: unknown }> {
  return new Promise((resolve, reject) => {
    handler({ respond: (ok, payload) => resolve({ ok, payload }) }).catch(reject);
  });
}

test("25 concurrent fastclaw.status calls run one status process and all get its report", async () => {
  const relay = fakeRelay(300);
  const handler = statusHandler();
  const answers = await Promise.all(Array.from({ length: 25 }, () => call(handler)));
  expect(relay.spawns()).toBe(1);
  for (const answer of answers) {
    expect(answer).toEqual({ ok: true, payload: { relay: { relayVersion: "9", args: ["status", "--json"] }, binary: "FASTCLAW_RELAY_BIN" } });
  }
  // Within the cache window a new burst is answered from the same run.
  await Promise.all(Array.from({ length: 10 }, () => call(handler)));
  expect(relay.spawns()).toBe(1);
});

test("singleFlight: one run in flight, its result reused for ttlMs, then a new run; a failure is shared the same way", async () => {
  let clock = 0;
  let runs = 0;
  let fail = false;
  const run = () => {
    runs += 1;
    return new Promise<number>((resolve, reject) => setTimeout(() => (fail ? reject(new Error("boom")) : resolve(runs)), 5));
  };
  const status = singleFlight(run, { ttlMs: 1_000, now: () => clock });
  expect(await Promise.all([status(), status(), status()])).toEqual([1, 1, 1]);
  clock = 999;
  expect(await status()).toBe(1);
  clock = 1_000;
  fail = true;
  const failures = await Promise.allSettled([status(), status()]);
  expect(failures.map((f) => f.status)).toEqual(["rejected", "rejected"]);
  expect(runs).toBe(2);
  clock = 2_000;
  fail = false;
  expect(await status()).toBe(3);
  expect(STATUS_CACHE_MS).toBeLessThanOrEqual(5_000);
});
