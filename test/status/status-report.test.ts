/** `status` believes runtime.json only while the relay keeps refreshing it: a stale one means "not responding". */
import type { Id } from "../../convex/_generated/dataModel.js";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { formatStatus } from "../../src/cli/format-status.js";
import { RUNTIME_STALE_AFTER_MS, writeRuntimeState, type RuntimeState } from "../../src/runtime/runtime-state.js";
import { collectStatus, type StatusDeps } from "../../src/status/status-report.js";
import { makeSandbox, recorder, SECRET, type Sandbox } from "../service/helpers.js";

let box: Sandbox;
beforeEach(() => {
  box = makeSandbox();
  mkdirSync(box.stateDir, { recursive: true });
  writeFileSync(box.configFile, JSON.stringify({ convexUrl: "http://127.0.0.1:9", instanceSecret: SECRET, instanceId: "inst1" }));
});
afterEach(() => box.cleanup());

const NOW = 1_800_000_000_000;

/** The relay runs as the systemd unit, with this test process as its main pid (alive). */
function deps(now: number): StatusDeps {
  const systemctl = recorder((_c, args) =>
    args[1] === "show"
      ? { stdout: `LoadState=loaded\nUnitFileState=enabled\nActiveState=active\nSubState=running\nMainPID=${process.pid}\nNRestarts=0\nExecMainStatus=0` }
      : undefined,
  );
  return {
    env: box.env,
    platform: "linux",
    runner: systemctl.runner,
    uid: 1000,
    username: "tester",
    now,
    fetchRelayInfo: async () => ({ ok: true, info: { instanceId: "inst1" as Id<"instances">, name: "Desk", pairedDevices: 1, pendingPairing: false } }),
  };
}

async function writeState(updatedAt: number, pid = process.pid): Promise<void> {
  const state: RuntimeState = {
    pid,
    startedAt: NOW - 600_000,
    updatedAt,
    relayVersion: "0.0.0-test",
    gateway: { url: "ws://127.0.0.1:18789", connected: true, serverVersion: "2026.9.6", protocol: 4, scopes: ["operator.read", "operator.write"] },
    convex: { url: "http://127.0.0.1:9", connected: true, spooledWrites: 0 },
  };
  mkdirSync(box.stateDir, { recursive: true });
  await writeRuntimeState(path.join(box.stateDir, "runtime.json"), state);
}

test("a relay that refreshed runtime.json recently is running and healthy", async () => {
  await writeState(NOW - RUNTIME_STALE_AFTER_MS);
  const report = await collectStatus(deps(NOW));
  expect(report.problems).toEqual([]);
  expect(report.runtime).toMatchObject({ running: true, responding: true, pid: process.pid });
  expect(report.gateway).toMatchObject({ known: true, connected: true });
  expect(report.convex.relayConnected).toBe(true);
});

test("runtime.json not refreshed for 100 s (a frozen relay): not responding, nothing claimed connected, unhealthy", async () => {
  await writeState(NOW - 100_000);
  const report = await collectStatus(deps(NOW));
  expect(report.runtime).toMatchObject({ running: true, responding: false, pid: process.pid, stateAgeMs: 100_000 });
  expect(report.gateway.known).toBe(false);
  expect(report.gateway.connected).toBeUndefined();
  expect(report.gateway.why).toMatch(/not responding/);
  expect(report.convex.relayConnected).toBeUndefined();
  expect(report.problems).toContain("relay not responding");
  expect(report.hints.join("\n")).toMatch(/fastclaw-relay restart/);

  const lines = formatStatus(report).join("\n");
  expect(lines).toMatch(new RegExp(`^Runtime: +running \\(pid ${process.pid}.*\\) but not responding: its state was last updated 1m 40s ago$`, "m"));
  expect(lines).toMatch(/^Gateway: +unknown \(the relay is not responding\)$/m);
  expect(lines).not.toMatch(/connected to ws:/);
  expect(lines).not.toMatch(/relay connected/);
  expect(lines).toMatch(/^Health: +problems: .*relay not responding/m);
});

test("just past the limit counts as not responding; a clock that went back does not", async () => {
  await writeState(NOW - RUNTIME_STALE_AFTER_MS - 1);
  expect((await collectStatus(deps(NOW))).problems).toContain("relay not responding");
  await writeState(NOW + 60_000);
  expect((await collectStatus(deps(NOW))).problems).toEqual([]);
});
