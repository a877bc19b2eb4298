/** The temp-dir guard every jest run goes through: a private TMPDIR, and leftovers of ours fail the run. */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { closeTmpGuard, openTmpGuard, ownLeftovers } from "./tmp-guard.js";

// Each test uses its own holder, so the guard this run's global setup opened stays untouched.
test("a run gets a private TMPDIR; a temp dir of ours left there fails the close by name, and the dir is removed anyway", () => {
  const holder = {};
  const before = process.env.TMPDIR;
  const privateDir = openTmpGuard(holder);
  try {
    expect(process.env.TMPDIR).toBe(privateDir);
    expect(path.basename(privateDir)).toMatch(/^fastclaw-jest-tmp-/);
    mkdirSync(path.join(privateDir, "fc-spool-left"));
    writeFileSync(path.join(privateDir, "fcr-test-file"), "x");
    // Third-party leftovers (Chromium, the Gateway) are removed with the dir but are not ours to fail on.
    mkdirSync(path.join(privateDir, "org.chromium.Chromium.abc"));
  } finally {
    expect(() => closeTmpGuard(holder)).toThrow("tests left 2 temporary entries behind (each test must delete what it creates): fc-spool-left, fcr-test-file");
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

test("our names are fc-*, fcr-* and fastclaw-*; others are not ours", () => {
  const dir = path.join(os.tmpdir(), `guard-names-${process.pid}`);
  mkdirSync(dir);
  try {
    for (const name of ["fc-overflow-1", "fcr-lock-2", "fastclaw-e2e-3", "fastclaw.sock", "openclaw-state-locks-0", "jest_0", "fcx"]) mkdirSync(path.join(dir, name));
    expect(ownLeftovers(dir)).toEqual(["fastclaw-e2e-3", "fastclaw.sock", "fc-overflow-1", "fcr-lock-2"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
