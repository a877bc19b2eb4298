/** The run lock: one relay per state dir; stale locks of dead relays are taken over, live ones refuse. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { acquireRunLock, RunLockHeldError, type RunLockDeps } from "../../src/runtime/run-lock.js";

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fcr-lock-"));
  file = path.join(dir, "relay.lock");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const deps = (pid: number, alive: readonly number[]): RunLockDeps => ({ pid, now: () => 1_000, isRelayAlive: (p) => alive.includes(p) });

test("the first run takes the lock; a second live one is refused naming the holder; release frees it", async () => {
  const first = await acquireRunLock(file, deps(100, [100, 200]));
  expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ pid: 100, startedAt: 1_000 });
  const refused = await acquireRunLock(file, deps(200, [100, 200])).catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(RunLockHeldError);
  expect((refused as RunLockHeldError).holderPid).toBe(100);
  expect((refused as Error).message).toContain("pid 100");
  // What to do is the hint, on its own line when printed.
  expect((refused as RunLockHeldError).code).toBe("RUN_LOCK_HELD");
  expect((refused as RunLockHeldError).hint).toContain("FASTCLAW_STATE_DIR");
  // The refused one did not disturb the holder's lock.
  expect(JSON.parse(readFileSync(file, "utf8")).pid).toBe(100);
  await first.release();
  expect(existsSync(file)).toBe(false);
  const second = await acquireRunLock(file, deps(200, [200]));
  expect(JSON.parse(readFileSync(file, "utf8")).pid).toBe(200);
  await second.release();
});

test("a lock left by a relay that died is taken over", async () => {
  writeFileSync(file, JSON.stringify({ pid: 100, startedAt: 1 }));
  const lock = await acquireRunLock(file, deps(300, [300]));
  expect(JSON.parse(readFileSync(file, "utf8")).pid).toBe(300);
  await lock.release();
});

test("a torn or empty lock file (crash between create and write) is taken over", async () => {
  writeFileSync(file, "");
  const lock = await acquireRunLock(file, deps(300, [300]));
  expect(JSON.parse(readFileSync(file, "utf8")).pid).toBe(300);
  await lock.release();
});

test("release leaves a lock that is no longer ours alone", async () => {
  const lock = await acquireRunLock(file, deps(100, [100]));
  writeFileSync(file, JSON.stringify({ pid: 400, startedAt: 2 }));
  await lock.release();
  expect(JSON.parse(readFileSync(file, "utf8")).pid).toBe(400);
});

test("of two relays starting at once over a stale lock, exactly one wins", async () => {
  writeFileSync(file, JSON.stringify({ pid: 100, startedAt: 1 }));
  const results = await Promise.allSettled([acquireRunLock(file, deps(500, [500, 600])), acquireRunLock(file, deps(600, [500, 600]))]);
  expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  const rejected = results.find((r) => r.status === "rejected");
  expect((rejected as PromiseRejectedResult).reason).toBeInstanceOf(RunLockHeldError);
});

test("many starters racing over a stale lock: exactly one wins, every other is refused (50 rounds)", async () => {
  for (let round = 0; round < 50; round += 1) {
    writeFileSync(file, JSON.stringify({ pid: 1, startedAt: 1 }));
    const pids = [501, 502, 503, 504];
    const results = await Promise.allSettled(pids.map((pid) => acquireRunLock(file, deps(pid, pids))));
    const winners = results.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<typeof acquireRunLock>>> => r.status === "fulfilled");
    expect(winners).toHaveLength(1);
    const holder = JSON.parse(readFileSync(file, "utf8")).pid as number;
    expect(pids).toContain(holder);
    await winners[0]!.value.release();
    expect(existsSync(`${file}.takeover`)).toBe(false);
  }
});

test("a takeover guard left by a starter that crashed is cleared after it goes stale", async () => {
  writeFileSync(file, JSON.stringify({ pid: 1, startedAt: 1 }));
  writeFileSync(`${file}.takeover`, "");
  const old = new Date(Date.now() - 60_000);
  const { utimesSync } = await import("node:fs");
  utimesSync(`${file}.takeover`, old, old);
  const lock = await acquireRunLock(file, { pid: 700, now: Date.now, isRelayAlive: (p) => p === 700 });
  expect(JSON.parse(readFileSync(file, "utf8")).pid).toBe(700);
  await lock.release();
});
