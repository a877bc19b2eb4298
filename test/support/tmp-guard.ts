/**
 * A private temp dir per jest run: TMPDIR points into it while the tests run (workers inherit it), and
 * at the end anything our tests left there (`fc-*`, `fcr-*`, `fastclaw-*`) fails the run by name.
 * The dir is removed either way, so nothing reaches the system temp dir, not even what third-party
 * processes (Chromium, the Gateway) leave behind. Loaded natively by jest: erasable syntax only.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** Names our own code gives its temp dirs and files. */
export const OWN_TEMP_NAME = /^(fc|fcr|fastclaw)[-.]/;

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

/** Opens (or joins) the run's guard; returns its private temp dir. */
export function openTmpGuard(holder: GuardHolder = globalThis): string {
  const open = holder.__fastclawTmpGuard;
  if (open) {
    open.users += 1;
    return open.dir;
  }
  const previousTmpdir = process.env.TMPDIR;
  const dir = mkdtempSync(path.join(os.tmpdir(), "fastclaw-jest-tmp-"));
  process.env.TMPDIR = dir;
  holder.__fastclawTmpGuard = { dir, previousTmpdir, users: 1 };
  return dir;
}

/** What was left in `dir` under one of our names, sorted. */
export function ownLeftovers(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => OWN_TEMP_NAME.test(name))
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
  const left = ownLeftovers(guard.dir);
  rmSync(guard.dir, { recursive: true, force: true });
  if (left.length > 0) {
    throw new Error(`tests left ${left.length} temporary entr${left.length === 1 ? "y" : "ies"} behind (each test must delete what it creates): ${left.join(", ")}`);
  }
}
