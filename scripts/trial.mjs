#!/usr/bin/env node
// `npm run trial [-- --message "hi"]`: the whole pipeline on this machine, no cloud account (dev/trial/).
// Thin on purpose: builds dist/ if it is missing, then runs the compiled trial.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ensureNativeOptionals } from "./native-optional.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
ensureNativeOptionals(root, { log: (line) => console.error(`[trial] ${line}`) });
const entry = path.join(root, "dist", "dev", "trial", "main.js");

if (!existsSync(entry)) {
  console.error("[trial] dist/ is missing: building it first (npm run build) …");
  const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
  const built = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

const { runTrialCli } = await import(pathToFileURL(entry).href);
const code = await runTrialCli(process.argv.slice(2));
// Everything the trial started has been stopped; don't wait for stray handles (e.g. stdin).
process.exit(code);
