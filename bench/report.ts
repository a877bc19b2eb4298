/** Turns the results into the one table (Markdown, printed and written to bench/results/) plus its JSON twin. */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Summary } from "./stats.js";
import type { StepResult } from "./throughput.js";

export interface Row {
  id: string;
  measure: string;
  ours: string;
  baseline: string;
  ratio: string;
  target: string;
  /** PASS / FAIL against the target, or "info" where there is none. */
  result: "PASS" | "FAIL" | "info";
}

export interface Header {
  date: string;
  node: string;
  cores: number;
  cpu: string;
  platform: string;
  command: string;
  totalSeconds: number;
  /** 1-minute load average at the start and the end: other work on the machine shows up here. */
  loadAverage: { start: number; end: number };
  /** The node flags the relay ran with (the service's, see src/service/spec.ts). */
  relayNodeArgs: string[];
  /** BENCH_RELAY_NODE_OPTIONS, when set: the relay then did not run as shipped. */
  relayNodeOptions?: string;
  /** BENCH_RELAY_NODE_ARGS was set: the flags are not the service's. */
  relayNodeArgsOverridden?: boolean;
}

const ms = (x: number) => (Number.isFinite(x) ? `${Math.round(x)}` : "n/a");
const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? (a / b).toPrecision(2) : "n/a");

export const pct = (s: Summary) => `${ms(s.p50)} / ${ms(s.p95)} / ${ms(s.p99)} ms`;
export const pctRatio = (ours: Summary, base: Summary) => `${ratio(ours.p50, base.p50)} / ${ratio(ours.p95, base.p95)} / ${ratio(ours.p99, base.p99)}`;
export const verdict = (ok: boolean): "PASS" | "FAIL" => (ok ? "PASS" : "FAIL");

/** "50→50, 100→100, 200→199, 400→110" — offered → achieved per step, with loss when there was any. */
export function steps(results: readonly StepResult[]): string {
  return results.map((s) => `${s.offered}→${Math.round(s.achieved)}${s.lost > 0 ? ` (lost ${s.lost})` : ""}`).join(", ");
}

export function markdown(header: Header, rows: readonly Row[], notes: readonly string[]): string {
  const cells = (r: string[]) => `| ${r.join(" | ")} |`;
  return [
    "# fastclaw-relay benchmark",
    "",
    `${header.date} · Node ${header.node} · ${header.cores} cores (${header.cpu}) · ${header.platform} · \`${header.command}\` took ${Math.round(header.totalSeconds)} s · load average ${header.loadAverage.start.toFixed(2)} at start, ${header.loadAverage.end.toFixed(2)} at end`,
    "",
    `The relay ran as the installed service runs it: \`node ${header.relayNodeArgs.join(" ")} bin/fastclaw-relay.js run\`${header.relayNodeArgsOverridden ? " — **flags from BENCH_RELAY_NODE_ARGS, not the service's**" : ""}.`,
    ...(header.relayNodeOptions ? ["", `**The relay ran with NODE_OPTIONS=\`${header.relayNodeOptions}\` (BENCH_RELAY_NODE_OPTIONS), not as shipped.**`] : []),
    "",
    cells(["#", "measure", "fastclaw-relay", "baseline: 2 s poll", "ours ÷ baseline", "target", "result"]),
    cells(["---", "---", "---", "---", "---", "---", "---"]),
    ...rows.map((r) => cells([r.id, r.measure, r.ours, r.baseline, r.ratio, r.target, r.result])),
    "",
    ...notes.map((n) => `- ${n}`),
    "",
  ].join("\n");
}

export async function writeResults(dir: string, md: string, json: unknown): Promise<{ md: string; json: string }> {
  await mkdir(dir, { recursive: true });
  const files = { md: path.join(dir, "latest.md"), json: path.join(dir, "latest.json") };
  await writeFile(files.md, md);
  await writeFile(files.json, `${JSON.stringify(json, null, 2)}\n`);
  return files;
}
