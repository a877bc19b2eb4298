/** LaunchdService against a recorder: launchctl sequences for every command, and print parsing. */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse as parsePlist } from "plist";
import { launchdPlistPath, LaunchdService, parseDisabled, parseLaunchctlPrint } from "../../src/service/launchd.js";
import { ServiceError } from "../../src/service/manager.js";
import { makeSandbox, recorder, type Responder, type Sandbox } from "./helpers.js";

let box: Sandbox;
beforeEach(() => {
  box = makeSandbox();
});
afterEach(() => box.cleanup());

const TARGET = "gui/501/ai.fastclaw.relay";
const PRINT_RUNNING = `ai.fastclaw.relay = {\n\tactive count = 1\n\tstate = running\n\truns = 3\n\tpid = 4321\n\tlast exit code = 1\n}`;

/** A fake launchd: bootstrap loads the job (running), bootout unloads it. */
function fakeLaunchd(overrides: Responder = () => undefined) {
  const state = { loaded: false };
  const rec = recorder((command, args) => {
    const over = overrides(command, args);
    if (over) return over;
    const [verb] = args;
    if (verb === "print")
      return state.loaded
        ? { stdout: PRINT_RUNNING }
        : { code: 113, stderr: `Could not find service "ai.fastclaw.relay" in domain for user gui: 501` };
    if (verb === "bootstrap") state.loaded = true;
    if (verb === "bootout") {
      if (!state.loaded) return { code: 3, stderr: "Boot-out failed: 3: No such process" };
      state.loaded = false;
    }
    if (verb === "print-disabled") return { stdout: `disabled services = {\n\t"ai.fastclaw.relay" => enabled\n}` };
    return undefined;
  });
  const service = new LaunchdService({
    env: box.env,
    platform: "darwin",
    runner: rec.runner,
    uid: 501,
    username: "tester",
    settleMs: 0,
    nodePath: process.execPath,
    entryPath: path.resolve("bin/fastclaw-relay.js"),
  });
  return { rec, state, service };
}

test("the plist goes to ~/Library/LaunchAgents/ai.fastclaw.relay.plist", () => {
  expect(launchdPlistPath(box.env)).toBe(path.join(box.env.HOME!, "Library/LaunchAgents/ai.fastclaw.relay.plist"));
});

test("first install: write plist, create the log dir, enable, bootstrap", async () => {
  const { rec, service } = fakeLaunchd();
  const outcome = await service.install({ force: false });
  expect(outcome).toMatchObject({ change: "created", process: "started", reloaded: true });
  expect(rec.lines()).toEqual([
    `launchctl print ${TARGET}`,
    `launchctl enable ${TARGET}`,
    `launchctl bootstrap gui/501 ${service.file}`,
  ]);
  expect(parsePlist(readFileSync(service.file, "utf8"))).toMatchObject({ Label: "ai.fastclaw.relay" });
  expect(existsSync(path.join(box.stateDir, "logs"))).toBe(true);
});

test("second install, unchanged and running: nothing is reloaded or restarted", async () => {
  const { rec, service } = fakeLaunchd();
  await service.install({ force: false });
  const mtime = statSync(service.file).mtimeMs;
  rec.calls.length = 0;
  expect(await service.install({ force: false })).toMatchObject({
    change: "unchanged",
    process: "already running",
    reloaded: false,
  });
  expect(rec.lines()).toEqual([`launchctl print ${TARGET}`, `launchctl enable ${TARGET}`]);
  expect(statSync(service.file).mtimeMs).toBe(mtime);
});

test("changed plist while loaded: bootout then bootstrap (launchd keeps the old definition otherwise)", async () => {
  const { rec, service } = fakeLaunchd();
  await service.install({ force: false });
  writeFileSync(service.file, "old");
  rec.calls.length = 0;
  expect(await service.install({ force: false })).toMatchObject({ change: "updated", process: "restarted" });
  expect(rec.lines()).toEqual([
    `launchctl print ${TARGET}`,
    `launchctl enable ${TARGET}`,
    `launchctl bootout ${TARGET}`,
    `launchctl bootstrap gui/501 ${service.file}`,
  ]);
});

test("unchanged but loaded and not running: kickstart (without -k)", async () => {
  const { rec, service, state } = fakeLaunchd((_c, args) =>
    args[0] === "print" && state.loaded
      ? { stdout: "ai.fastclaw.relay = {\n\tstate = waiting\n\tlast exit code = 1\n}" }
      : undefined,
  );
  await service.install({ force: false });
  rec.calls.length = 0;
  expect(await service.install({ force: false })).toMatchObject({ process: "started" });
  expect(rec.lines()).toEqual([`launchctl print ${TARGET}`, `launchctl enable ${TARGET}`, `launchctl kickstart ${TARGET}`]);
});

test("restart uses kickstart -k when loaded, bootstrap when not", async () => {
  const { rec, service, state } = fakeLaunchd();
  await service.install({ force: false });
  rec.calls.length = 0;
  await service.restart();
  expect(rec.lines()).toEqual([`launchctl print ${TARGET}`, `launchctl enable ${TARGET}`, `launchctl kickstart -k ${TARGET}`]);
  state.loaded = false;
  rec.calls.length = 0;
  await service.restart();
  expect(rec.lines()).toEqual([
    `launchctl print ${TARGET}`,
    `launchctl enable ${TARGET}`,
    `launchctl bootstrap gui/501 ${service.file}`,
  ]);
});

test("stop boots the job out; stopping a job that is not loaded succeeds", async () => {
  const { rec, service } = fakeLaunchd();
  expect((await service.stop()).message).toMatch(/not loaded; nothing to stop/);
  await service.install({ force: false });
  rec.calls.length = 0;
  expect((await service.stop()).message).toBe("Stopped ai.fastclaw.relay.");
  expect(rec.lines()).toEqual([`launchctl print ${TARGET}`, `launchctl bootout ${TARGET}`]);
});

test("start: running → no-op; stopped → enable + bootstrap; not installed → error", async () => {
  const { rec, service } = fakeLaunchd();
  await expect(service.start()).rejects.toThrow(/not installed[\s\S]*/);
  await service.install({ force: false });
  expect((await service.start()).message).toMatch(/already running/);
  await service.stop();
  rec.calls.length = 0;
  expect((await service.start()).message).toBe("Started ai.fastclaw.relay.");
  expect(rec.lines()).toEqual([
    `launchctl print ${TARGET}`,
    `launchctl enable ${TARGET}`,
    `launchctl bootstrap gui/501 ${service.file}`,
  ]);
});

test("uninstall boots out and removes the plist, keeps the config; twice is fine", async () => {
  const { rec, service } = fakeLaunchd();
  await service.install({ force: false });
  rec.calls.length = 0;
  const outcome = await service.uninstall();
  expect(rec.lines()).toEqual([`launchctl print ${TARGET}`, `launchctl bootout ${TARGET}`]);
  expect(existsSync(service.file)).toBe(false);
  expect(outcome.notes.join()).toContain("Configuration kept at");
  expect((await service.uninstall()).message).toMatch(/Nothing to remove/);
});

test("a failing bootstrap is a ServiceError quoting launchctl", async () => {
  const { service } = fakeLaunchd((_c, args) =>
    args[0] === "bootstrap" ? { code: 5, stderr: "Bootstrap failed: 5: Input/output error" } : undefined,
  );
  const error = await service.install({ force: false }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ServiceError);
  expect((error as Error).message).toContain("Bootstrap failed: 5: Input/output error");
});

test("inspect reads launchctl print and print-disabled", async () => {
  const { service } = fakeLaunchd();
  expect(await service.inspect()).toMatchObject({ installed: false, active: false, state: "not loaded" });
  await service.install({ force: false });
  expect(await service.inspect()).toMatchObject({
    installed: true,
    enabled: true,
    active: true,
    state: "running",
    pid: 4321,
    restarts: 2,
    lastExitStatus: 1,
  });
});

test("parsers", () => {
  expect(parseLaunchctlPrint("state = waiting\n\tlast exit code = (never exited)")).toEqual({ state: "waiting" });
  expect(parseDisabled('"ai.fastclaw.relay" => disabled', "ai.fastclaw.relay")).toBe(true);
  expect(parseDisabled('"ai.fastclaw.relay" => false', "ai.fastclaw.relay")).toBe(false);
  expect(parseDisabled('"other" => true', "ai.fastclaw.relay")).toBeUndefined();
});
