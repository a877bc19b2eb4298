#!/usr/bin/env node
// The test command: type-check, build (e2e tests run the compiled relay), then unit tests in
// parallel and end-to-end tests in band around one shared real Gateway.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { ensureNativeOptionals } from "./native-optional.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 24 || (major === 24 && minor < 16)) {
  console.error(
    `scripts/test.mjs: the test suite runs the real OpenClaw Gateway, which needs Node >=24.16, ` +
      `but this is Node ${process.version} (${process.execPath}).\n` +
      `Run it through npm ("npm test"), which puts the devDependency node@24 from node_modules/.bin first on PATH; ` +
      `if node_modules/.bin/node is missing, run "npm ci" again.`,
  );
  process.exit(1);
}

function run(label, command, args, env = {}) {
  console.log(`\n== ${label}`);
  const started = Date.now();
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, ...env },
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    console.error(`== ${label}: failed (exit ${result.status ?? result.signal}) after ${seconds}s`);
    process.exit(result.status ?? 1);
  }
  console.log(`== ${label}: ok in ${seconds}s`);
}

ensureNativeOptionals(root);

const jestEnv = { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --experimental-vm-modules`.trim() };
const extra = process.argv.slice(2);

run("type-check", bin("tsc"), ["-p", "tsconfig.json", "--noEmit"]);
run("type-check bench", bin("tsc"), ["-p", "bench/tsconfig.json", "--noEmit"]);
run("type-check web", bin("tsc"), ["-p", "web/tsconfig.json"]);
run("type-check web service worker", bin("tsc"), ["-p", "web/tsconfig.sw.json"]);
run("build", bin("tsc"), ["-p", "tsconfig.build.json"]);
if (extra.length > 0) {
  // Focused run, e.g. "npm test -- test/gateway": both projects, in band, only the named paths.
  run("jest (focused)", process.execPath, [bin("jest"), "--runInBand", ...extra], jestEnv);
} else {
  run("unit tests", process.execPath, [bin("jest"), "--selectProjects", "unit"], jestEnv);
  run("end-to-end tests", process.execPath, [bin("jest"), "--selectProjects", "e2e", "--runInBand"], jestEnv);
}
