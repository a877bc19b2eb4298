/** The trial's pairing step with stand-ins for `fastclaw-relay pair --json`: every way it can go wrong is reported. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { statePaths } from "../../src/config/paths.js";
import { spawnChild, type TrialChild } from "../../dev/trial/child-process.js";
import { pairTrialChat, TrialStepError } from "../../dev/trial/trial-pairing.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fcr-trialpair-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A fake relay binary: a script that ignores its arguments and does `body`. */
function fakeRelay(body: string): readonly [string, string] {
  const file = path.join(dir, "fake-relay.mjs");
  writeFileSync(file, body);
  return [process.execPath, file];
}

function attempt(relayCommand: readonly [string, string], timeoutMs = 3_000) {
  const tracked: TrialChild[] = [];
  const notes: string[] = [];
  const promise = pairTrialChat({
    relayCommand,
    env: { PATH: process.env.PATH ?? "" },
    convexUrl: "http://127.0.0.1:9",
    paths: statePaths({ FASTCLAW_STATE_DIR: path.join(dir, "state") }),
    timeoutMs,
    note: (line) => notes.push(line),
    track: (child) => tracked.push(child),
  });
  return { promise, tracked, notes };
}

test("pair exits without printing a code: the error carries its output", async () => {
  const { promise, tracked } = attempt(fakeRelay(`console.error("Convex said no"); process.exit(3);`));
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TrialStepError);
  expect((error as Error).message).toMatch(/exited \(3\) without a pairing link:\nConvex said no/);
  expect(tracked[0]!.running()).toBe(false);
});

test("pair prints no code in time: stopped, and the error says so", async () => {
  const { promise, tracked } = attempt(fakeRelay(`console.log(JSON.stringify({ event: "registered" })); setInterval(() => {}, 1000);`), 500);
  await expect(promise).rejects.toThrow(/printed no pairing link within 1 s/);
  await tracked[0]!.exited;
  expect(tracked[0]!.running()).toBe(false);
});

test("the code cannot be claimed (Convex unreachable): a TrialStepError naming the claim, pair stopped", async () => {
  const token = "T".repeat(43);
  const { promise, tracked } = attempt(
    fakeRelay(
      `console.log(JSON.stringify({ event: "pairing", payload: "fastclaw://pair?v=1&u=http%3A%2F%2F127.0.0.1%3A9&t=${token}&k=${"A".repeat(43)}" })); setInterval(() => {}, 1000);`,
    ),
    // One timeout covers starting `pair` too: 1 s was not always enough for a node process on a loaded machine.
    5_000,
  );
  const error = await promise.catch((e: unknown) => e);
  expect((error as Error).message).toMatch(/the chat client could not claim the pairing code: pairing with http:\/\/127\.0\.0\.1:9: no answer within 5 s/);
  expect((error as Error).message).not.toContain(token);
  await tracked[0]!.exited;
  expect(tracked[0]!.running()).toBe(false);
});

test("spawnChild: output tail, exit code, stop escalates to SIGKILL", async () => {
  const quick = spawnChild("quick", process.execPath, ["-e", "console.log('a'); console.error('b'); process.exit(4)"], { env: {} });
  expect(await quick.exited).toBe(4);
  expect(quick.tail()).toMatch(/a\nb|b\na/);
  const stubborn = spawnChild("stubborn", process.execPath, ["-e", "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); console.log('up')"], { env: {} });
  // Only once it ignores SIGTERM (it says "up" after installing the handler) does stop() need SIGKILL.
  while (!stubborn.tail().includes("up")) await new Promise((r) => setTimeout(r, 20));
  await stubborn.stop(200);
  expect(await stubborn.exited).toBe("SIGKILL");
  const missing = spawnChild("missing", path.join(dir, "no-such-binary"), [], { env: {} });
  expect(await missing.exited).toBe("spawn-error");
  await missing.stop();
});
