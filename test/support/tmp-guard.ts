/**
 * A private temp dir per jest run: TMPDIR points into it while the tests run (workers inherit it), and
 * at the end everything left there fails the run by name, except what the third-party programs the
 * tests start (Chromium, the Gateway, Node's compile cache) leave. The dir is removed either way, and a
 * run killed before its teardown has its dir removed by the next run. Loaded natively by jest:
 * erasable syntax only.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { processAlive } from "../../src/runtime/process-alive.js";

/**
 * What programs other than ours leave in TMPDIR: they are not a test's to delete, and go with the dir.
 * Anything else left there is a test's (or the relay's) leftover, whatever it is called.
 */
export const THIRD_PARTY_TEMP_NAME = /^(\.?org\.chromium\.|\.com\.google\.Chrome\.|node-compile-cache$|\.?openclaw(-|$))/;

/** A run's private dir: `fastclaw-jest-tmp-<pid of the jest process>-<random>`. */
const GUARD_PREFIX = "fastclaw-jest-tmp-";
const GUARD_NAME = /^fastclaw-jest-tmp-(\d+)-/;

/** A dead run's dir unchanged this long is removed; a live run adds and removes entries all the time. */
export const STALE_GUARD_MS = 60 * 60_000;

interface Guard {
  dir: string;
  previousTmpdir: string | undefined;
  /** Both jest projects may open it in one run; the last close checks. */
  users: number;
}

/** Where the open guard lives: jest's global setup and teardown share the process's globalThis. */
export interface GuardHolder {
  __fastclawTmpGuard?: Guard | undefined;
}

declare global {
  var __fastclawTmpGuard: Guard | undefined;
}

export interface OpenOptions {
  /** The parent temp dir (default: the system's). */
  parent?: string;
  pid?: number;
  alive?: (pid: number) => boolean;
  now?: () => number;
}

/** Opens (or joins) the run's guard; returns its private temp dir. */
export function openTmpGuard(holder: GuardHolder = globalThis, options: OpenOptions = {}): string {
  const open = holder.__fastclawTmpGuard;
  if (open) {
    open.users += 1;
    return open.dir;
  }
  const parent = options.parent ?? os.tmpdir();
  sweepDeadRuns(parent, options.alive ?? processAlive, options.now ?? Date.now);
  const previousTmpdir = process.env.TMPDIR;
  const dir = mkdtempSync(path.join(parent, `${GUARD_PREFIX}${options.pid ?? process.pid}-`));
  process.env.TMPDIR = dir;
  holder.__fastclawTmpGuard = { dir, previousTmpdir, users: 1 };
  return dir;
}

/**
 * Removes the private dirs of runs that were killed before their teardown (Ctrl-C, a timeout): their
 * jest process is gone and nothing has changed in them for STALE_GUARD_MS. Both must hold, so a live
 * run in another pid namespace sharing this temp dir is never touched.
 */
export function sweepDeadRuns(parent: string, alive: (pid: number) => boolean, now: () => number): string[] {
  const swept: string[] = [];
  for (const name of readdirSync(parent)) {
    const pid = GUARD_NAME.exec(name)?.[1];
    if (pid === undefined || alive(Number(pid))) continue;
    const dir = path.join(parent, name);
    try {
      if (now() - statSync(dir).mtimeMs < STALE_GUARD_MS) continue;
      rmSync(dir, { recursive: true, force: true });
      swept.push(name);
    } catch {
      // gone meanwhile, or not ours to remove: the next run tries again
    }
  }
  return swept;
}

/** What was left in `dir` other than third-party entries, sorted. */
export function leftovers(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => !THIRD_PARTY_TEMP_NAME.test(name))
    .sort();
}

export function closeTmpGuard(holder: GuardHolder = globalThis): void {
  const guard = holder.__fastclawTmpGuard;
  if (!guard) return;
  guard.users -= 1;
  if (guard.users > 0) return;
  holder.__fastclawTmpGuard = undefined;
  if (guard.previousTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = guard.previousTmpdir;
  const left = leftovers(guard.dir);
  rmSync(guard.dir, { recursive: true, force: true });
  if (left.length > 0) {
    throw new Error(`tests left ${left.length} temporary entr${left.length === 1 ? "y" : "ies"} behind (each test must delete what it creates): ${left.join(", ")}`);
  }
}
