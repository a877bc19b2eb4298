/** .ci/install-chromium.sh: a no-op where Chromium is, a quiet Debian install where it is not, and clear failures. */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const SCRIPT = path.resolve(".ci/install-chromium.sh");
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fcr-ci-chromium-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A fake apt-get: records its arguments; `install` creates the browser unless told not to; may fail. */
function fakeApt(behaviour: { fail?: "update" | "install"; createBrowser?: boolean }): string {
  const file = path.join(dir, "apt-get");
  writeFileSync(
    file,
    `#!/usr/bin/env bash
echo "$*" >> "${dir}/apt-calls"
echo "frontend=$DEBIAN_FRONTEND" >> "${dir}/apt-calls"
if [ "$1" = "${behaviour.fail ?? "none"}" ]; then echo "E: could not fetch from deb.debian.org" >&2; exit 100; fi
if [ "$1" = install ] && [ "${behaviour.createBrowser === false ? "no" : "yes"}" = yes ]; then printf '#!/bin/sh\\n' > "${dir}/chromium"; chmod +x "${dir}/chromium"; fi
`,
  );
  chmodSync(file, 0o755);
  return file;
}

function run(env: Record<string, string>) {
  const result = spawnSync("bash", [SCRIPT], { env: { PATH: process.env.PATH ?? "", CHROMIUM_BIN: path.join(dir, "chromium"), CI_UID: "0", ...env }, encoding: "utf8" });
  const calls = existsSync(path.join(dir, "apt-calls")) ? readFileSync(path.join(dir, "apt-calls"), "utf8").trim().split("\n") : [];
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, calls };
}

test("Chromium already there: nothing is installed", () => {
  writeFileSync(path.join(dir, "chromium"), "#!/bin/sh\n");
  chmodSync(path.join(dir, "chromium"), 0o755);
  const r = run({ APT_GET: fakeApt({}) });
  expect(r).toMatchObject({ code: 0, calls: [] });
  expect(r.stdout).toContain("is there");
});

test("missing: apt-get update, then a quiet non-interactive install of Debian's chromium", () => {
  const r = run({ APT_GET: fakeApt({}) });
  expect(r.code).toBe(0);
  expect(r.calls).toEqual(["update -qq", "frontend=", "install -y -qq chromium", "frontend=noninteractive"]);
  expect(r.stdout).toMatch(/installing[\s\S]*installed/);
});

test.each([
  ["update", /E: could not fetch[\s\S]*apt-get failed/],
  ["install", /E: could not fetch[\s\S]*apt-get failed/],
] as const)("apt-get %s failing: exit 1 with its output", (fail, message) => {
  const r = run({ APT_GET: fakeApt({ fail }) });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(message);
});

test("apt-get succeeding without the browser appearing: exit 1 naming the path", () => {
  const r = run({ APT_GET: fakeApt({ createBrowser: false }) });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`${path.join(dir, "chromium")} is still missing`);
});

test("not root and no sudo: exit 1 with the command to run, nothing attempted", () => {
  const r = run({ APT_GET: fakeApt({}), CI_UID: "1000", SUDO: path.join(dir, "no-sudo") });
  expect(r.code).toBe(1);
  expect(r.calls).toEqual([]);
  expect(r.stderr).toMatch(/needs root; run: apt-get update && apt-get install -y chromium/);
});
