/** The temp-dir guard every jest run goes through: a private TMPDIR, and leftovers of ours fail the run. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { closeTmpGuard, leftovers, openTmpGuard, STALE_GUARD_MS, sweepDeadRuns } from "./tmp-guard.js";

// Each test uses its own holder, so the guard this run's global setup opened stays untouched.
test("a run gets a private TMPDIR; whatever a test left there fails the close by name, and the dir is removed anyway", () => {
  const holder = {};
  const before = process.env.TMPDIR;
  const privateDir = openTmpGuard(holder);
  try {
    expect(process.env.TMPDIR).toBe(privateDir);
    expect(path.basename(privateDir)).toMatch(new RegExp(`^fastclaw-jest-tmp-${process.pid}-`));
    mkdirSync(path.join(privateDir, "fc-spool-left"));
    writeFileSync(path.join(privateDir, "fcr-test-file"), "x");
    // Not named like ours, still a leftover (the local Convex server's file store once was one).
    mkdirSync(path.join(privateDir, "local-convex-files-abc"));
    // Third-party leftovers (Chromium, the Gateway) are removed with the dir but are not ours to fail on.
    mkdirSync(path.join(privateDir, "org.chromium.Chromium.abc"));
  } finally {
    expect(() => closeTmpGuard(holder)).toThrow(
      "tests left 3 temporary entries behind (each test must delete what it creates): fc-spool-left, fcr-test-file, local-convex-files-abc",
    );
  }
  expect(process.env.TMPDIR).toBe(before);
  expect(existsSync(privateDir)).toBe(false);
});

test("a clean run closes without complaint", () => {
  const holder = {};
  const privateDir = openTmpGuard(holder);
  mkdirSync(path.join(privateDir, "org.chromium.Chromium.xyz"));
  expect(() => closeTmpGuard(holder)).not.toThrow();
  expect(existsSync(privateDir)).toBe(false);
});

test("opened by both jest projects, only the last close checks and removes it", () => {
  const holder = {};
  const privateDir = openTmpGuard(holder);
  expect(openTmpGuard(holder)).toBe(privateDir);
  closeTmpGuard(holder);
  expect(existsSync(privateDir)).toBe(true);
  closeTmpGuard(holder);
  expect(existsSync(privateDir)).toBe(false);
});

test("only what the programs the tests start leave is not a leftover: Chromium, the Gateway, Node's compile cache", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fc-guard-names-"));
  try {
    const thirdParty = ["org.chromium.Chromium.x1", ".org.chromium.Chromium.x2", ".com.google.Chrome.x3", "node-compile-cache", "openclaw", "openclaw-state-locks-0", ".openclaw-terminal-staging-0"];
    const ours = ["fc-overflow-1", "fcr-lock-2", "fastclaw-e2e-3", "fastclaw.sock", "attach-4", "local-convex-files-5", "jest_0", "node-compile-cache-not", "openclawish"];
    for (const name of [...thirdParty, ...ours]) mkdirSync(path.join(dir, name));
    expect(leftovers(dir)).toEqual([...ours].sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the private dir of a run killed before its teardown is removed by the next run; a live or recently changed run's is not", () => {
  const parent = mkdtempSync(path.join(os.tmpdir(), "fc-guard-sweep-"));
  try {
    const now = Date.now();
    const make = (name: string, ageMs: number) => {
      mkdirSync(path.join(parent, name, "fc-left"), { recursive: true });
      const at = (now - ageMs) / 1000;
      utimesSync(path.join(parent, name), at, at);
    };
    make("fastclaw-jest-tmp-101-dead", STALE_GUARD_MS + 1000);
    make("fastclaw-jest-tmp-102-alive", STALE_GUARD_MS + 1000);
    make("fastclaw-jest-tmp-103-recent", STALE_GUARD_MS - 60_000); // dead pid, but changed lately: maybe another pid namespace
    make("fastclaw-jest-tmp-legacy", STALE_GUARD_MS + 1000); // no pid in its name: nothing proves its run is over
    make("fc-other-104-x", STALE_GUARD_MS + 1000);
    const alive = (pid: number) => pid === 102;
    expect(sweepDeadRuns(parent, alive, () => now)).toEqual(["fastclaw-jest-tmp-101-dead"]);
    expect(readdirSync(parent).sort()).toEqual(["fastclaw-jest-tmp-102-alive", "fastclaw-jest-tmp-103-recent", "fastclaw-jest-tmp-legacy", "fc-other-104-x"]);

    // Opening a guard sweeps first.
    make("fastclaw-jest-tmp-105-dead", STALE_GUARD_MS + 1000);
    const holder = {};
    const privateDir = openTmpGuard(holder, { parent, pid: 106, alive, now: () => now });
    expect(path.basename(privateDir)).toMatch(/^fastclaw-jest-tmp-106-/);
    expect(existsSync(path.join(parent, "fastclaw-jest-tmp-105-dead"))).toBe(false);
    closeTmpGuard(holder);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});
