/** `start` watches a fresh service until its relay reports itself or the unit fails, however slowly either happens. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { START_WATCH_MS, watchStart, type UnitHealth } from "../../src/service/start-watch.js";

let dir: string;
let runtimeFile: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fc-start-watch-"));
  runtimeFile = path.join(dir, "runtime.json");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A fake clock the watch's pauses advance, and a probe answering from a script (its last answer repeats). */
function scripted(answers: UnitHealth[], onProbe?: (count: number) => void) {
  let time = 0;
  let probes = 0;
  return {
    get probes() {
      return probes;
    },
    get elapsed() {
      return time;
    },
    now: () => time,
    wait: async (ms: number) => {
      time += ms;
    },
    probe: async (): Promise<UnitHealth> => {
      probes += 1;
      onProbe?.(probes);
      return answers[Math.min(probes, answers.length) - 1]!;
    },
  };
}

const failed = (): UnitHealth => ({ kind: "failed", error: new Error("did not stay up: exit status 78") });

test("a relay that fails seconds after the unit came up is still reported (a loaded machine starts node slowly)", async () => {
  const unit = scripted([...Array<UnitHealth>(20).fill({ kind: "up", pid: 42 }), failed()]);
  await expect(watchStart({ ...unit, runtimeFile, watchMs: START_WATCH_MS })).rejects.toThrow(/exit status 78/);
  expect(unit.probes).toBe(21);
  expect(unit.elapsed).toBeGreaterThan(1_500);
});

test("returns as soon as runtime.json names the unit's pid, without waiting out the watch", async () => {
  const unit = scripted([{ kind: "starting" }, { kind: "up", pid: 42 }], (count) => {
    if (count === 3) writeFileSync(runtimeFile, JSON.stringify({ pid: 42, startedAt: 1, updatedAt: 1 }));
  });
  await watchStart({ ...unit, runtimeFile, watchMs: START_WATCH_MS });
  expect(unit.probes).toBe(3);
});

test("runtime.json left by an earlier run (another pid) proves nothing: the watch runs to its end, then trusts the running unit", async () => {
  writeFileSync(runtimeFile, JSON.stringify({ pid: 7, startedAt: 1, updatedAt: 1 }));
  const unit = scripted([{ kind: "up", pid: 42 }]);
  await watchStart({ ...unit, runtimeFile, watchMs: 2_000 });
  expect(unit.elapsed).toBeGreaterThanOrEqual(2_000);
});

test("a failure inside the grace period is looked at again; one after it is reported", async () => {
  const recovers = scripted([failed(), failed(), { kind: "up", pid: 42 }], (count) => {
    if (count === 3) writeFileSync(runtimeFile, JSON.stringify({ pid: 42 }));
  });
  await watchStart({ ...recovers, runtimeFile, watchMs: START_WATCH_MS, graceMs: 1_500 });
  expect(recovers.probes).toBe(3);

  const stays = scripted([failed()]);
  await expect(watchStart({ ...stays, runtimeFile, watchMs: START_WATCH_MS, graceMs: 1_500 })).rejects.toThrow(/exit status 78/);
  expect(stays.elapsed).toBeGreaterThanOrEqual(1_500);
});

test("a watch of 0 ms asks nothing", async () => {
  const unit = scripted([failed()]);
  await watchStart({ ...unit, runtimeFile, watchMs: 0 });
  expect(unit.probes).toBe(0);
});
