/** Measure 6: cold start of the CLI as a child process with a throwaway HOME (median of N runs). */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "./repo-root.js";
import { median } from "./stats.js";

export interface StartupResult {
  args: string[];
  runs: number[];
  median: number;
  exitCodes: number[];
}

function timeOnce(args: string[], env: Record<string, string>): Promise<{ ms: number; code: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [path.join(repoRoot, "bin/fastclaw-relay.js"), ...args], { env, stdio: "ignore" });
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, code: code ?? -1 });
    });
  });
}

/** From spawn to exit: what a person waits for, Node's own start-up included. */
export async function measureStartup(args: string[], runs: number): Promise<StartupResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "fastclaw-bench-cli-"));
  const env = { PATH: process.env.PATH ?? "", HOME: path.join(dir, "home"), FASTCLAW_STATE_DIR: path.join(dir, "state") };
  const times: number[] = [];
  const codes: number[] = [];
  try {
    for (let i = 0; i < runs; i += 1) {
      const { ms, code } = await timeOnce(args, env);
      times.push(Math.round(ms * 10) / 10);
      codes.push(code);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { args, runs: times, median: median(times), exitCodes: [...new Set(codes)] };
}
