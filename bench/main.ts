/** `npm run bench`: every measure of issue 6 in one run, against the 2 s polling baseline; prints one table and writes bench/results/. */
import os from "node:os";
import path from "node:path";
import { stopAll } from "./cleanup.js";
import { cpuPerMessage } from "./cpu-per-message.js";
import { gatewayPhases } from "./gateway-phases.js";
import { convexCost, memory, peerLatency, throughput } from "./peer-phases.js";
import { markdown, writeResults, type Header } from "./report.js";
import { relayNodeArgs } from "./relay-process.js";
import { repoRoot } from "./repo-root.js";
import { sealCost } from "./seal-cost.js";
import { measureStartup } from "./startup.js";
import { webPhase } from "./web.js";
import { buildNotes, buildRows, TARGETS, type Results } from "./table.js";

/** The run's sizes, chosen so the whole run stays near ten minutes on a 2-core machine. */
const PLAN = {
  startupRuns: 11,
  peerLatency: { count: 200, ratePerSecond: 20 },
  // 3 turns/s keeps the real Gateway (one agent turn per message) below saturation on 2 cores.
  gateway: { count: 200, ratePerSecond: 3, sessions: 30, replies: 20 },
  throughputRates: [50, 100, 200, 300, 400, 800, 1200, 1600],
  throughputSeconds: 3,
  cost: { deltas: 200, intervalMs: 100 },
  // 10,000 relayed messages (5,000 each way) + 40 replies × 200 deltas on top, over 60 s.
  memory: { appMessages: 5_000, transcriptRows: 5_000, replies: 40, deltasPerReply: 200, concurrentReplies: 10, seconds: 60, settleMs: 5_000, timeoutMs: 240_000 },
  memoryRepeats: 3,
  // 1,000 messages each way per flag set: 0.3 ms each is 30 of /proc's 10 ms ticks.
  cpu: { ratePerSecond: 100, seconds: 10 },
  // 2,000 sealed writes per size: a streaming delta, a long paragraph, a reply at our 64 KiB limit.
  seal: { messages: 2_000, textBytes: [200, 4_096, 65_536] },
  // 10 replies × 10 writes = 100 samples of stream write → text on screen; 60 rows of history.
  web: { firstRenders: 5, replies: 10, writesPerReply: 10, writeIntervalMs: 100, historyRows: 60 },
  /** Hard stop: whatever is still running is stopped and the run fails. */
  watchdogMs: 25 * 60_000,
} as const;

const started = Date.now();
const loadAtStart = os.loadavg()[0] ?? 0;
const log = (line: string) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);

/** The phases, in run order; `npm run bench -- --only memory,throughput` runs a subset and writes no results file. */
const PHASES = ["startup", "peer", "cost", "throughput", "memory", "cpu", "seal", "gateway", "web"] as const;
type Phase = (typeof PHASES)[number];

function selectedPhases(argv: readonly string[]): Set<Phase> {
  const at = argv.indexOf("--only");
  if (at < 0) return new Set(PHASES);
  const names = (argv[at + 1] ?? "").split(",").filter((name) => name.length > 0);
  const unknown = names.filter((name) => !(PHASES as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new Error(`--only takes a comma-separated list of ${PHASES.join(", ")}; got "${argv[at + 1] ?? ""}"`);
  }
  return new Set(names as Phase[]);
}

async function run(phases: Set<Phase>): Promise<Partial<Results>> {
  const results: Partial<Results> = {};
  if (phases.has("startup")) {
    log("6 start-up: --help and status --json");
    const help = await measureStartup(["--help"], PLAN.startupRuns);
    const status = await measureStartup(["status", "--json"], PLAN.startupRuns);
    log(`6 --help median ${help.median} ms, status --json median ${status.median} ms`);
    results.startup = { help, status };
  }
  if (phases.has("peer")) {
    results.peerLatency = await peerLatency(log, PLAN.peerLatency);
    log(`1b relay p99 ${results.peerLatency.relay.latency.p99} ms, baseline p99 ${results.peerLatency.baseline.latency.p99} ms`);
  }
  if (phases.has("cost")) results.cost = await convexCost(log, PLAN.cost.deltas, PLAN.cost.intervalMs);
  if (phases.has("throughput")) results.throughput = await throughput(log, PLAN.throughputRates, PLAN.throughputSeconds);
  if (phases.has("memory")) results.memory = await memory(log, PLAN.memory, PLAN.memoryRepeats);
  if (phases.has("cpu")) results.cpu = await cpuPerMessage(log, PLAN.cpu);
  if (phases.has("seal")) results.seal = sealCost(log, PLAN.seal);
  if (phases.has("gateway")) {
    log("starting the real Gateway (about 10 s)");
    results.gateway = await gatewayPhases(log, PLAN.gateway);
    log(`1a relay p99 ${results.gateway.latency.relay.latency.p99} ms, baseline p99 ${results.gateway.latency.baseline.latency.p99} ms`);
  }
  if (phases.has("web")) results.web = await webPhase(log, PLAN.web);
  return results;
}

async function main(): Promise<number> {
  const watchdog = setTimeout(() => {
    log(`watchdog: over ${PLAN.watchdogMs / 60_000} min; stopping everything`);
    void stopAll(5_000).finally(() => process.exit(2));
  }, PLAN.watchdogMs);
  watchdog.unref();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping everything`);
      void stopAll(5_000).finally(() => process.exit(130));
    });
  }
  let results: Partial<Results>;
  let phases: Set<Phase>;
  try {
    phases = selectedPhases(process.argv.slice(2));
  } catch (error) {
    log(error instanceof Error ? error.message : String(error));
    return 2;
  }
  try {
    results = await run(phases);
  } catch (error) {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await stopAll();
    return 1;
  }
  await stopAll();
  clearTimeout(watchdog);
  const header: Header = {
    date: new Date().toISOString(),
    node: process.version,
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    command: "npm run bench",
    totalSeconds: (Date.now() - started) / 1000,
    loadAverage: { start: loadAtStart, end: os.loadavg()[0] ?? 0 },
    relayNodeArgs: relayNodeArgs(),
    ...(process.env.BENCH_RELAY_NODE_OPTIONS ? { relayNodeOptions: process.env.BENCH_RELAY_NODE_OPTIONS } : {}),
    ...(process.env.BENCH_RELAY_NODE_ARGS !== undefined ? { relayNodeArgsOverridden: true } : {}),
  };
  const rows = buildRows(results);
  const notes = buildNotes(results);
  const md = markdown(header, rows, notes);
  if (phases.size < PHASES.length) {
    process.stdout.write(`\n${md}\n(partial run: --only ${[...phases].join(",")}; bench/results/ left as it was)\n`);
    return 0;
  }
  const files = await writeResults(path.join(repoRoot, "bench", "results"), md, { header, plan: PLAN, targets: TARGETS, rows, notes, results });
  process.stdout.write(`\n${md}\nwritten: ${path.relative(repoRoot, files.md)}, ${path.relative(repoRoot, files.json)}\n`);
  return 0;
}

process.exitCode = await main();
