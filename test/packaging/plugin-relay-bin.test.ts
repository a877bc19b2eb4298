/** The plugin's way to fastclaw-relay: FASTCLAW_RELAY_BIN, the package's own bin, PATH; and `status --json` failures. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
// @ts-expect-error -- plain JavaScript shipped as-is in packaging/ (checked by these tests, not by tsc)
import * as relayBin from "../../packaging/openclaw-plugin/relay-bin.js";
import { ROOT } from "../chat/relay-cli.js";

interface RelayCommand {
  command: string;
  args: string[];
  source: string;
}
type StatusResult = { ok: true; report: Record<string, unknown>; source: string } | { ok: false; code: string; message: string };
const { resolveRelayCommand, packagedBin, onPath, relayStatus, runRelayInteractive, NOT_FOUND } = relayBin as {
  resolveRelayCommand(options?: { env?: NodeJS.ProcessEnv; pluginDir?: string; nodePath?: string }): RelayCommand | undefined;
  packagedBin(pluginDir?: string): string | undefined;
  onPath(name: string, searchPath?: string): string | undefined;
  relayStatus(options?: { env?: NodeJS.ProcessEnv; pluginDir?: string; timeoutMs?: number }): Promise<StatusResult>;
  runRelayInteractive(args: string[], options?: { env?: NodeJS.ProcessEnv; pluginDir?: string }): Promise<number>;
  NOT_FOUND: string;
};

const PLUGIN_DIR = path.join(ROOT, "packaging", "openclaw-plugin");
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fcr-plugin-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** An executable `fastclaw-relay` stand-in in `dir/bin`. */
function fakeOnPath(script: string): string {
  mkdirSync(path.join(dir, "bin"), { recursive: true });
  const file = path.join(dir, "bin", "fastclaw-relay");
  writeFileSync(file, `#!${process.execPath}\n${script}\n`);
  chmodSync(file, 0o755);
  return file;
}

test("inside the package: its own bin/fastclaw-relay.js, run on this Node", () => {
  expect(packagedBin(PLUGIN_DIR)).toBe(path.join(ROOT, "bin", "fastclaw-relay.js"));
  expect(resolveRelayCommand({ env: { PATH: "" }, pluginDir: PLUGIN_DIR, nodePath: "/n" })).toEqual({
    command: "/n",
    args: [path.join(ROOT, "bin", "fastclaw-relay.js")],
    source: `the fastclaw-relay package (${path.join(ROOT, "bin", "fastclaw-relay.js")})`,
  });
});

test("FASTCLAW_RELAY_BIN wins: a .js runs on Node, anything else directly", () => {
  expect(resolveRelayCommand({ env: { FASTCLAW_RELAY_BIN: "/x/cli.js" }, pluginDir: PLUGIN_DIR, nodePath: "/n" })).toMatchObject({ command: "/n", args: ["/x/cli.js"] });
  expect(resolveRelayCommand({ env: { FASTCLAW_RELAY_BIN: "/usr/local/bin/fastclaw-relay" }, pluginDir: PLUGIN_DIR })).toMatchObject({
    command: "/usr/local/bin/fastclaw-relay",
    args: [],
    source: "FASTCLAW_RELAY_BIN",
  });
});

test("a copied plugin dir (no package around it): PATH; nothing anywhere: undefined", () => {
  const copied = path.join(dir, "copy");
  mkdirSync(copied);
  expect(packagedBin(copied)).toBeUndefined();
  const onPathFile = fakeOnPath("process.exit(0)");
  expect(onPath("fastclaw-relay", `/nonexistent${path.delimiter}${path.dirname(onPathFile)}`)).toBe(onPathFile);
  expect(resolveRelayCommand({ env: { PATH: path.dirname(onPathFile) }, pluginDir: copied })).toEqual({ command: onPathFile, args: [], source: `PATH (${onPathFile})` });
  expect(resolveRelayCommand({ env: { PATH: path.join(dir, "empty") }, pluginDir: copied })).toBeUndefined();
});

test("status: the parsed report on success", async () => {
  const bin = fakeOnPath(`process.stdout.write(JSON.stringify({ relayVersion: "9", args: process.argv.slice(2) }));`);
  const result = await relayStatus({ env: { PATH: path.dirname(bin) }, pluginDir: dir });
  expect(result).toEqual({ ok: true, report: { relayVersion: "9", args: ["status", "--json"] }, source: `PATH (${bin})` });
});

test.each([
  // Answers get a limit no loaded machine misses; only the hanging one is meant to hit its limit.
  ["not JSON", `console.log("oops"); console.error("boom: config unreadable"); process.exit(78);`, 15_000, "RELAY_STATUS_FAILED", /fastclaw-relay status --json failed: boom: config unreadable/],
  ["an array", `console.log("[]");`, 15_000, "RELAY_STATUS_FAILED", /failed: exit 0/],
  ["hangs", `setInterval(() => {}, 1000);`, 300, "RELAY_STATUS_TIMEOUT", /did not answer within 300 ms/],
])("status: %s → ok:false with a code", async (_what, script, timeoutMs, code, message) => {
  const bin = fakeOnPath(script);
  const result = await relayStatus({ env: { PATH: path.dirname(bin) }, pluginDir: dir, timeoutMs });
  expect(result).toMatchObject({ ok: false, code });
  expect(result.ok ? "" : result.message).toMatch(message);
});

test("status: not installed, or not runnable", async () => {
  expect(await relayStatus({ env: { PATH: "" }, pluginDir: dir })).toEqual({ ok: false, code: "RELAY_NOT_FOUND", message: NOT_FOUND });
  const result = await relayStatus({ env: { FASTCLAW_RELAY_BIN: path.join(dir, "missing") }, pluginDir: dir });
  expect(result).toMatchObject({ ok: false, code: "RELAY_NOT_RUNNABLE" });
});

test("interactive: the relay's exit code; 127 when it cannot be found", async () => {
  const bin = fakeOnPath(`process.exit(process.argv[2] === "pair" ? 5 : 0);`);
  expect(await runRelayInteractive(["pair"], { env: { PATH: path.dirname(bin) }, pluginDir: dir })).toBe(5);
  expect(await runRelayInteractive(["status"], { env: { PATH: path.dirname(bin) }, pluginDir: dir })).toBe(0);
  expect(await runRelayInteractive(["status"], { env: { PATH: "" }, pluginDir: dir })).toBe(127);
});
