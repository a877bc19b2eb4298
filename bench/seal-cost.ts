/** Measure 8: what end-to-end encryption adds per relayed message on the relay, under the service's node flags. */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { RELAY_NODE_ARGS } from "../src/service/spec.js";
import type { SealSample } from "./seal-worker.js";

export interface SealPlan {
  messages: number;
  textBytes: readonly number[];
}

export interface SealResult {
  nodeArgs: readonly string[];
  samples: SealSample[];
}

/** Runs the timing in a child started as the service starts the relay, so the JIT flags apply as they do there. */
export function sealCost(log: (line: string) => void, plan: SealPlan): SealResult {
  const worker = fileURLToPath(new URL("./seal-worker.js", import.meta.url));
  const run = spawnSync(process.execPath, [...RELAY_NODE_ARGS, worker, String(plan.messages), ...plan.textBytes.map(String)], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`seal worker failed (exit ${run.status ?? run.signal}): ${run.stderr.slice(0, 500)}`);
  const samples = JSON.parse(run.stdout) as SealSample[];
  for (const s of samples) log(`8 seal ${s.textBytes} B: p50 ${s.seal.p50.toFixed(3)} ms, p99 ${s.seal.p99.toFixed(3)} ms (JSON encode p99 ${s.json.p99.toFixed(3)} ms)`);
  return { nodeArgs: RELAY_NODE_ARGS, samples };
}
