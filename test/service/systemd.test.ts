/** SystemdService against a recorder: the systemctl sequences, idempotence, and every failure it handles. */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ServiceError } from "../../src/service/manager.js";
import { parseSystemdTimestamp, SystemdService, systemdUnitPath } from "../../src/service/systemd.js";
import { makeSandbox, recorder, type Responder, type Sandbox } from "./helpers.js";

let box: Sandbox;
beforeEach(() => {
  box = makeSandbox();
});
afterEach(() => box.cleanup());

/** A fake user manager: tracks whether the unit is active, answers like systemd 252. */
function fakeSystemd(overrides: Responder = () => undefined) {
  const state = { active: false, linger: "no" as string | undefined };
  const rec = recorder((command, args) => {
    const over = overrides(command, args);
    if (over) return over;
    if (command === "loginctl")
      return state.linger === undefined
        ? { code: 127, stderr: "loginctl: command not found" }
        : { stdout: `Linger=${state.linger}` };
    const verb = args[1];
    if (verb === "is-active") return { code: state.active ? 0 : 3 };
    if (verb === "start" || verb === "restart") state.active = true;
    if (verb === "stop") state.active = false;
    if (verb === "show" && args.includes("Version")) return { stdout: "Version=252" };
    return undefined;
  });
  const service = new SystemdService({
    env: box.env,
    platform: "linux",
    runner: rec.runner,
    uid: 1000,
    username: "tester",
    settleMs: 0,
    nodePath: process.execPath,
    entryPath: path.resolve("bin/fastclaw-relay.js"),
  });
  return { rec, state, service };
}

test("the unit goes to $XDG_CONFIG_HOME/systemd/user (relative XDG_CONFIG_HOME ignored)", () => {
  expect(systemdUnitPath(box.env)).toBe(path.join(box.env.XDG_CONFIG_HOME!, "systemd/user/fastclaw-relay.service"));
  expect(systemdUnitPath({ HOME: "/h", XDG_CONFIG_HOME: "rel" })).toBe("/h/.config/systemd/user/fastclaw-relay.service");
  expect(systemdUnitPath({ HOME: "/h" })).toBe("/h/.config/systemd/user/fastclaw-relay.service");
});

test("first install: write, daemon-reload, enable, start; linger off prints the exact command", async () => {
  const { rec, service } = fakeSystemd();
  const outcome = await service.install({ force: false });
  expect(outcome).toMatchObject({ change: "created", reloaded: true, process: "started" });
  expect(rec.lines()).toEqual([
    "systemctl --user show -p Version",
    "systemctl --user daemon-reload",
    "systemctl --user enable fastclaw-relay.service",
    "systemctl --user reset-failed fastclaw-relay.service",
    "systemctl --user is-active --quiet fastclaw-relay.service",
    "systemctl --user start fastclaw-relay.service",
    "loginctl show-user tester -p Linger",
  ]);
  expect(outcome.notes.join("\n")).toContain("loginctl enable-linger tester");
  expect(readFileSync(service.file, "utf8")).toContain("ExecStart=");
});

test("second install with identical bytes: no rewrite, no reload, no restart", async () => {
  const { rec, service } = fakeSystemd();
  await service.install({ force: false });
  const mtime = statSync(service.file).mtimeMs;
  rec.calls.length = 0;
  const outcome = await service.install({ force: false });
  expect(outcome).toMatchObject({ change: "unchanged", reloaded: false, process: "already running" });
  expect(rec.lines()).not.toContain("systemctl --user daemon-reload");
  expect(rec.lines().some((l) => / (start|restart) /.test(l))).toBe(false);
  expect(statSync(service.file).mtimeMs).toBe(mtime);
});

test("changed bytes are rewritten, reloaded and the running service restarted; --force always rewrites", async () => {
  const { rec, service } = fakeSystemd();
  await service.install({ force: false });
  writeFileSync(service.file, "stale");
  rec.calls.length = 0;
  expect(await service.install({ force: false })).toMatchObject({ change: "updated", reloaded: true, process: "restarted" });
  expect(rec.lines()).toContain("systemctl --user daemon-reload");
  expect(rec.lines()).toContain("systemctl --user restart fastclaw-relay.service");
  rec.calls.length = 0;
  expect(await service.install({ force: true })).toMatchObject({ change: "rewritten", reloaded: true, process: "restarted" });
});

test("install with linger on says nothing about it; loginctl missing does not fail", async () => {
  const a = fakeSystemd();
  a.state.linger = "yes";
  expect((await a.service.install({ force: false })).notes).toEqual([]);
  box.cleanup();
  box = makeSandbox();
  const b = fakeSystemd();
  b.state.linger = undefined;
  const outcome = await b.service.install({ force: false });
  expect(outcome.notes.join("\n")).toMatch(/Could not check linger \(loginctl is not installed\)/);
});

test("no user manager: install fails before writing anything, with a hint", async () => {
  const { service } = fakeSystemd((command) =>
    command === "systemctl" ? { code: 1, stderr: "Failed to connect to bus: No medium found" } : undefined,
  );
  const error = await service.install({ force: false }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ServiceError);
  expect((error as ServiceError).message).toContain("Failed to connect to bus");
  expect((error as ServiceError).hint).toMatch(/XDG_RUNTIME_DIR/);
  expect(existsSync(service.file)).toBe(false);
});

test("systemctl missing: a clear error", async () => {
  const { service } = fakeSystemd((command) => (command === "systemctl" ? { code: 127 } : undefined));
  await expect(service.install({ force: false })).rejects.toThrow(/systemctl is not installed/);
});

test("a failing enable is reported with the command and what it said", async () => {
  const { service } = fakeSystemd((_c, args) =>
    args[1] === "enable" ? { code: 1, stderr: "Failed to enable unit: Access denied" } : undefined,
  );
  await expect(service.install({ force: false })).rejects.toThrow(
    /`systemctl --user enable fastclaw-relay.service` exited 1: Failed to enable unit: Access denied/,
  );
});

test("a service that dies right after start is reported (exit 78 → config hint)", async () => {
  const rec = recorder((command, args) => {
    if (args[1] === "is-active") return { code: 3 };
    if (args[1] === "show" && args.includes("Version")) return { stdout: "Version=252" };
    if (args[1] === "show") return { stdout: "ActiveState=failed\nSubState=failed\nExecMainStatus=78\nLoadState=loaded" };
    return command === "loginctl" ? { stdout: "Linger=yes" } : undefined;
  });
  const service = new SystemdService({
    env: box.env,
    platform: "linux",
    runner: rec.runner,
    uid: 0,
    username: "t",
    settleMs: 1,
    nodePath: process.execPath,
    entryPath: path.resolve("bin/fastclaw-relay.js"),
  });
  const error = (await service.install({ force: false }).catch((e: unknown) => e)) as ServiceError;
  expect(error.message).toMatch(/did not stay up: failed \(failed\), exit status 78/);
  expect(error.hint).toMatch(/configuration is unusable/);
});

test("stop: not loaded (exit 5) and not installed both succeed", async () => {
  const { service } = fakeSystemd((_c, args) =>
    args[1] === "stop"
      ? { code: 5, stderr: "Failed to stop fastclaw-relay.service: Unit fastclaw-relay.service not loaded." }
      : undefined,
  );
  expect((await service.stop()).message).toMatch(/not installed; nothing to stop/);
  const noBus = fakeSystemd((command) => (command === "systemctl" ? { code: 1, stderr: "Failed to connect to bus" } : undefined));
  expect((await noBus.service.stop()).message).toMatch(/nothing to stop/);
});

test("stop of an installed unit whose manager fails is an error", async () => {
  const { service } = fakeSystemd((_c, args) => (args[1] === "stop" ? { code: 1, stderr: "Access denied" } : undefined));
  mkdirSync(path.dirname(service.file), { recursive: true });
  writeFileSync(service.file, "x");
  await expect(service.stop()).rejects.toThrow(/Access denied/);
});

test("start/restart of a unit that is not installed: error naming the file and `install`", async () => {
  const { service, rec } = fakeSystemd();
  for (const action of [() => service.start(), () => service.restart()]) {
    const error = (await action().catch((e: unknown) => e)) as ServiceError;
    expect(error.message).toContain(service.file);
    expect(error.hint).toMatch(/fastclaw-relay install/);
  }
  expect(rec.calls).toEqual([]);
});

test("start, restart and stop of an installed unit", async () => {
  const { service, rec, state } = fakeSystemd();
  await service.install({ force: false });
  state.active = false;
  rec.calls.length = 0;
  expect((await service.start()).message).toBe("Started fastclaw-relay.service.");
  expect(rec.lines()).toContain("systemctl --user start fastclaw-relay.service");
  expect((await service.start()).message).toMatch(/already running/);
  expect((await service.restart()).message).toBe("Restarted fastclaw-relay.service.");
  expect((await service.stop()).message).toBe("Stopped fastclaw-relay.service.");
});

test("uninstall: stop, disable, remove, reload; says the config is kept; twice is fine", async () => {
  const { service, rec } = fakeSystemd();
  await service.install({ force: false });
  rec.calls.length = 0;
  const outcome = await service.uninstall();
  expect(rec.lines()).toEqual([
    "systemctl --user show -p Version",
    "systemctl --user stop fastclaw-relay.service",
    "systemctl --user disable fastclaw-relay.service",
    "systemctl --user daemon-reload",
    "systemctl --user reset-failed fastclaw-relay.service",
  ]);
  expect(existsSync(service.file)).toBe(false);
  expect(outcome.notes.join("\n")).toContain(`Configuration kept at ${box.configFile}`);
  expect((await service.uninstall()).message).toMatch(/Nothing to remove/);
});

test("inspect parses systemctl show", async () => {
  const { service } = fakeSystemd((_c, args) =>
    args[1] === "show"
      ? {
          stdout:
            "LoadState=loaded\nUnitFileState=enabled\nActiveState=active\nSubState=running\nMainPID=4242\nActiveEnterTimestamp=@1700000000\nNRestarts=2\nExecMainStatus=0",
        }
      : undefined,
  );
  expect(await service.inspect()).toMatchObject({
    installed: false,
    enabled: true,
    active: true,
    state: "active (running)",
    pid: 4242,
    startedAt: 1_700_000_000_000,
    restarts: 2,
  });
});

test("inspect of an unreachable manager reports the error and the hint", async () => {
  const { service } = fakeSystemd((command) =>
    command === "systemctl" ? { code: 1, stderr: "Failed to connect to bus: No medium found" } : undefined,
  );
  const inspection = await service.inspect();
  expect(inspection.error).toMatch(/Failed to connect to bus/);
  expect(inspection.hint).toMatch(/XDG_RUNTIME_DIR/);
});

test("old systemd without --timestamp=unix: plain timestamps are parsed", async () => {
  const { service, rec } = fakeSystemd((_c, args) => {
    if (args[1] !== "show") return undefined;
    if (args.includes("--timestamp=unix")) return { code: 1, stderr: "systemctl: unrecognized option '--timestamp=unix'" };
    return { stdout: "ActiveState=active\nSubState=running\nMainPID=7\nActiveEnterTimestamp=Tue 2023-11-14 22:13:20 UTC" };
  });
  expect((await service.inspect()).startedAt).toBe(1_700_000_000_000);
  expect(rec.calls).toHaveLength(2);
  expect(parseSystemdTimestamp("")).toBeUndefined();
  expect(parseSystemdTimestamp("garbage")).toBeUndefined();
});
