/** The real binary as a child process: startup time, exit codes, and SIGTERM handling of `run`. */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { RELAY_VERSION } from "../../src/version.js";
import { makeSandbox, SECRET, type Sandbox } from "../service/helpers.js";
import { writeConfig } from "./cli-helpers.js";

const BIN = path.resolve("bin/fastclaw-relay.js");
const COMPILED = path.resolve("dist/src/cli/main.js");

let box: Sandbox;
beforeAll(() => {
  // The binary runs dist/; `npm test` builds it first (tsc -p tsconfig.build.json).
  if (!existsSync(COMPILED)) throw new Error(`${COMPILED} is missing: run \`npx tsc -p tsconfig.build.json\` first`);
});
beforeEach(() => {
  box = makeSandbox();
});
afterEach(() => box.cleanup());

function run(args: string[], env: Record<string, string> = box.env) {
  return spawnSync(process.execPath, [BIN, ...args], { env, encoding: "utf8", timeout: 20_000 });
}

// How fast they start is measured by `npm run bench` (phase startup), not asserted here: a timed test
// fails on a loaded machine and proves nothing on a quiet one.
test("--help and --version exit 0 and print what they should", () => {
  const help = run(["--help"]);
  expect(help.status).toBe(0);
  expect(help.stdout).toContain("fastclaw-relay <command>");
  const version = run(["--version"]);
  expect(version.status).toBe(0);
  expect(version.stdout.trim()).toBe(RELAY_VERSION);
});

test("exit codes: 2 usage, 78 unusable config, 1 runtime failure", () => {
  expect(run(["frobnicate"]).status).toBe(2);
  expect(run([]).status).toBe(2);
  expect(run(["logs"]).status).toBe(1); // no log yet
  const notPaired = run(["run"]);
  expect(notPaired.status).toBe(78);
  expect(notPaired.stderr).toContain("fastclaw-relay pair");
  // start without an installed service is a runtime failure
  expect(run(["start"]).status).toBe(1);
  // run wrote why it did not start into relay.log, which `logs` now shows
  const logs = run(["logs"]);
  expect(logs.status).toBe(0);
  expect(logs.stdout).toMatch(/error not starting: .*config\.json: does not exist/);
});

test("run stays up against closed ports and exits 0 on SIGTERM, logging start and stop", async () => {
  writeConfig(box, { convexUrl: "http://127.0.0.1:9", instanceSecret: SECRET, contentKey: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", gateway: { url: "ws://127.0.0.1:9" } });
  const child = spawn(process.execPath, [BIN, "run"], { env: box.env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const deadline = Date.now() + 10_000;
  while (!stdout.includes("fastclaw-relay starting") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(stdout).toContain("fastclaw-relay starting");
  await new Promise((r) => setTimeout(r, 300));
  expect(child.exitCode).toBeNull(); // still running
  child.kill("SIGTERM");
  expect(await exited).toBe(0);
  const log = readFileSync(path.join(box.stateDir, "logs", "relay.log"), "utf8");
  expect(log).toContain("shutting down (SIGTERM)");
  expect(log).toContain("fastclaw-relay stopped");
  expect(log).not.toContain(SECRET);
});
