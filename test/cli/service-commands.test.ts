/** install/uninstall/start/stop/restart through the CLI: exit codes and messages (systemctl recorded). */
import { existsSync, readFileSync } from "node:fs";
import { systemdUnitPath } from "../../src/service/systemd.js";
import { makeSandbox, recorder, type Sandbox } from "../service/helpers.js";
import { cli, writeConfig } from "./cli-helpers.js";

let box: Sandbox;
beforeEach(() => {
  box = makeSandbox();
});
afterEach(() => box.cleanup());

function fakeSystemctl() {
  let active = false;
  return recorder((command, args) => {
    if (command === "loginctl") return { stdout: "Linger=no" };
    if (args[1] === "is-active") return { code: active ? 0 : 3 };
    if (args[1] === "start" || args[1] === "restart") active = true;
    if (args[1] === "stop") {
      const was = active;
      active = false;
      if (!was) return { code: 5, stderr: "Unit fastclaw-relay.service not loaded." };
    }
    return undefined;
  });
}

test("install refuses an unusable config with 78 and writes nothing", async () => {
  const rec = fakeSystemctl();
  const result = await cli(["install"], { env: box.env, runner: rec.runner });
  expect(result.code).toBe(78);
  expect(result.stderr).toContain(box.configFile);
  expect(result.stderr).toContain("fastclaw-relay pair");
  expect(rec.calls).toEqual([]);
  expect(existsSync(systemdUnitPath(box.env))).toBe(false);
});

test("install, install again, stop, start, restart, uninstall", async () => {
  writeConfig(box);
  const rec = fakeSystemctl();
  const env = { ...box.env, FASTCLAW_CONVEX_URL: "http://127.0.0.1:8" };
  const first = await cli(["install"], { env, runner: rec.runner });
  expect(first).toMatchObject({ code: 0 });
  expect(first.stdout).toContain(`Service file: ${systemdUnitPath(box.env)} (written)`);
  expect(first.stdout).toContain("enabled, started");
  expect(first.stderr).toContain("loginctl enable-linger tester");
  expect(first.stderr).toMatch(/FASTCLAW_CONVEX_URL is set in this shell but the service does not see it/);
  const unit = readFileSync(systemdUnitPath(box.env), "utf8");

  const second = await cli(["install"], { env: box.env, runner: rec.runner });
  expect(second.stdout).toContain("(unchanged)");
  expect(second.stdout).toContain("already running");
  expect(readFileSync(systemdUnitPath(box.env), "utf8")).toBe(unit);

  expect(await cli(["stop"], { env: box.env, runner: rec.runner })).toMatchObject({
    code: 0,
    stdout: "Stopped fastclaw-relay.service.\n",
  });
  expect(await cli(["start"], { env: box.env, runner: rec.runner })).toMatchObject({
    code: 0,
    stdout: "Started fastclaw-relay.service.\n",
  });
  expect(await cli(["restart"], { env: box.env, runner: rec.runner })).toMatchObject({
    code: 0,
    stdout: "Restarted fastclaw-relay.service.\n",
  });
  const removed = await cli(["uninstall"], { env: box.env, runner: rec.runner });
  expect(removed.code).toBe(0);
  expect(removed.stdout).toContain(`Configuration kept at ${box.configFile}`);
  expect(existsSync(systemdUnitPath(box.env))).toBe(false);
  expect(existsSync(box.configFile)).toBe(true);
});

test("stop when nothing is installed succeeds; start/restart exit 1 with the install hint", async () => {
  const rec = fakeSystemctl();
  expect(await cli(["stop"], { env: box.env, runner: rec.runner })).toMatchObject({ code: 0 });
  for (const command of ["start", "restart"]) {
    const result = await cli([command], { env: box.env, runner: rec.runner });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("not installed");
    expect(result.stderr).toContain("fastclaw-relay install");
  }
});

test("a failing service manager is exit 1 with its words", async () => {
  writeConfig(box);
  const rec = recorder(() => ({ code: 1, stderr: "Failed to connect to bus: No medium found" }));
  const result = await cli(["install"], { env: box.env, runner: rec.runner });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain("Failed to connect to bus");
  expect(result.stderr).toContain("XDG_RUNTIME_DIR");
});

test("unsupported platform: exit 1, suggests run under another supervisor", async () => {
  writeConfig(box);
  const result = await cli(["install"], { env: box.env, platform: "win32", runner: recorder().runner });
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/not supported on win32/);
});

test("macOS: install goes through launchctl", async () => {
  writeConfig(box);
  const rec = recorder((_c, args) => (args[0] === "print" ? { code: 113 } : undefined));
  const result = await cli(["install"], { env: box.env, platform: "darwin", uid: 501, runner: rec.runner });
  expect(result.code).toBe(0);
  expect(rec.lines()).toContain("launchctl enable gui/501/ai.fastclaw.relay");
});
