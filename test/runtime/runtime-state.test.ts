/** runtime.json: concurrent writes never collide, the newest snapshot wins, and it is refreshed while the relay lives. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { RuntimeReporter } from "../../src/runtime/runtime-reporter.js";
import { RUNTIME_REFRESH_MS, writeRuntimeState, type RuntimeState } from "../../src/runtime/runtime-state.js";
import { FakeClock } from "../support/fake-clock.js";

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fcr-runtime-"));
  file = path.join(dir, "runtime.json");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function state(updatedAt: number, connected = true): RuntimeState {
  return {
    pid: process.pid,
    startedAt: 1,
    updatedAt,
    relayVersion: "0.0.0-test",
    gateway: { url: "ws://127.0.0.1:1", connected },
    convex: { url: "http://127.0.0.1:2", connected: true, spooledWrites: 0 },
  };
}

const read = () => JSON.parse(readFileSync(file, "utf8")) as RuntimeState;

test("writes started at the same moment each land whole (unique temp names), leaving no temp file", async () => {
  const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => writeRuntimeState(file, state(i))));
  expect(results.filter((r) => r.status === "rejected")).toEqual([]);
  expect(read().updatedAt).toBeGreaterThanOrEqual(0);
  expect(readdirSync(dir)).toEqual(["runtime.json"]);
});

test("the reporter serialises writes: after a burst of saves the file holds the newest snapshot", async () => {
  let n = 0;
  const errors: unknown[] = [];
  const reporter = new RuntimeReporter({ file, snapshot: () => state(++n), onError: (e) => errors.push(e) });
  await Promise.all(Array.from({ length: 10 }, () => reporter.save()));
  // Snapshots are taken when a write starts: a burst costs at most two writes, the last with the newest state.
  expect(n).toBeLessThanOrEqual(2);
  expect(read().updatedAt).toBe(n);
  expect(readdirSync(dir)).toEqual(["runtime.json"]);
  expect(errors).toEqual([]);
});

test("the reporter refreshes runtime.json every RUNTIME_REFRESH_MS until stopped, so `status` can tell a frozen relay", async () => {
  const clock = new FakeClock(0);
  const errors: unknown[] = [];
  const reporter = new RuntimeReporter({ file, snapshot: () => state(clock.now()), onError: (e) => errors.push(e), clock });
  await reporter.start();
  expect(read().updatedAt).toBe(0);
  for (let i = 1; i <= 3; i += 1) {
    clock.advance(RUNTIME_REFRESH_MS);
    await reporter.idle();
    expect(read().updatedAt).toBe(i * RUNTIME_REFRESH_MS);
  }
  await reporter.stop(state(clock.now(), false));
  expect(read().gateway.connected).toBe(false);
  clock.advance(10 * RUNTIME_REFRESH_MS);
  await reporter.idle();
  expect(read().updatedAt).toBe(3 * RUNTIME_REFRESH_MS);
  expect(clock.pending()).toEqual([]);
  expect(errors).toEqual([]);
});

test("a failed write is reported (not thrown) and its temp file removed", async () => {
  // runtime.json is a non-empty directory: the temp file is written, the rename fails.
  mkdirSync(path.join(file, "x"), { recursive: true });
  const errors: unknown[] = [];
  const reporter = new RuntimeReporter({ file, snapshot: () => state(1), onError: (e) => errors.push(e) });
  await reporter.save();
  expect(errors).toHaveLength(1);
  expect(String(errors[0])).toMatch(/EISDIR|ENOTEMPTY|EEXIST/);
  expect(readdirSync(dir)).toEqual(["runtime.json"]);
});
