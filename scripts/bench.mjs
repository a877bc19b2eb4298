#!/usr/bin/env node
// `npm run bench`: build the relay as shipped (dist/, which bin/fastclaw-relay.js runs) and the bench
// (bench/.build/, kept out of dist/ so it never lands in the npm package), then run the bench.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureNativeOptionals } from "./native-optional.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 24 || (major === 24 && minor < 16)) {
  console.error(`scripts/bench.mjs: the bench starts the real OpenClaw Gateway, which needs Node >=24.16; this is ${process.version}. Run it as "npm run bench".`);
  process.exit(1);
}

ensureNativeOptionals(root);
const tsc = path.join(root, "node_modules", ".bin", "tsc");
for (const project of ["tsconfig.build.json", "bench/tsconfig.json"]) {
  const build = spawnSync(tsc, ["-p", project], { cwd: root, stdio: "inherit" });
  if (build.status !== 0) {
    console.error(`scripts/bench.mjs: tsc -p ${project} failed (exit ${build.status ?? build.signal})`);
    process.exit(build.status ?? 1);
  }
}
const bench = spawnSync(process.execPath, [path.join(root, "bench", ".build", "dist", "bench", "main.js"), ...process.argv.slice(2)], { cwd: root, stdio: "inherit" });
process.exit(bench.status ?? 1);
