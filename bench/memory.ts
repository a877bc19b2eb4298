/** Measure 5: the relay's resident memory when idle, and its growth after 10,000 relayed messages. */
import type { PeerGateway } from "./peer-gateway.js";
import { cpuSeconds, memoryMiB } from "./proc-stats.js";
import { rowsOf } from "./throughput.js";
import type { RelayProcess } from "./relay-process.js";
import { sleep, waitUntil } from "./timing.js";
import type { World } from "./world.js";

/** The mix of a busy relay: app messages one way, transcript messages the other, and streamed replies on top. */
export interface MemoryPlan {
  appMessages: number;
  transcriptRows: number;
  replies: number;
  deltasPerReply: number;
  concurrentReplies: number;
  seconds: number;
  settleMs: number;
  timeoutMs: number;
}

export interface MemoryResult {
  idleMiB: number;
  /** The idle VmRSS split: anonymous (heap, stacks, malloc) and file-backed (mostly the node binary). */
  idleSplit: { anon: number; file: number };
  afterMiB: number;
  growthMiB: number;
  peakMiB: number;
  relayed: { appToGateway: number; transcriptRows: number; deltas: number; replies: number; total: number };
  relayedSeconds: number;
  /** The relay's CPU time (user + system) from the first message until everything was relayed. */
  relayCpuSeconds: number;
  lost: number;
  /** Every repeat of the phase (the fields above are the median-growth run's). */
  runs?: Array<{ idleMiB: number; growthMiB: number; peakMiB: number; lost: number }>;
}

/** Median of a few VmRSS readings over a second, so one GC in flight doesn't decide the figure. */
async function settledRss(pid: number): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    readings.push(memoryMiB(pid)?.rss ?? Number.NaN);
    await sleep(250);
  }
  return readings.sort((a, b) => a - b)[2]!;
}

/** Spreads `count` calls of `fire` evenly over `seconds`. */
async function spread(count: number, seconds: number, fire: (i: number) => void): Promise<void> {
  const started = Date.now();
  for (let i = 0; i < count; i += 1) {
    const due = started + (i / count) * seconds * 1000;
    if (due > Date.now() + 5) await sleep(due - Date.now());
    fire(i);
  }
}

/** Streams `replies` replies, `concurrent` at a time, each over `seconds / waves`; returns runId → full text. */
async function streamReplies(peer: PeerGateway, tag: string, plan: MemoryPlan): Promise<Map<string, { sessionKey: string; text: string }>> {
  const runs = new Map<string, { sessionKey: string; text: string }>();
  const waves = Math.ceil(plan.replies / plan.concurrentReplies);
  const intervalMs = (plan.seconds * 1000) / waves / plan.deltasPerReply;
  for (let wave = 0; wave < waves; wave += 1) {
    const batch = Array.from({ length: Math.min(plan.concurrentReplies, plan.replies - wave * plan.concurrentReplies) }, (_, slot) => ({
      runId: `${tag}-run-${wave}-${slot}`,
      sessionKey: `agent:main:bench-${tag}-r${slot}`,
      text: "",
    }));
    await spread(plan.deltasPerReply, plan.seconds / waves, (i) => {
      for (const run of batch) {
        const piece = `w${i} `;
        run.text += piece;
        peer.emitChat(run.sessionKey, run.runId, i + 1, "delta", run.text, piece);
      }
    });
    await sleep(intervalMs);
    for (const run of batch) {
      peer.emitChat(run.sessionKey, run.runId, plan.deltasPerReply + 1, "final", run.text);
      runs.set(run.runId, { sessionKey: run.sessionKey, text: run.text });
    }
  }
  return runs;
}

export async function measureMemory(world: World, peer: PeerGateway, relay: RelayProcess, plan: MemoryPlan): Promise<MemoryResult> {
  await sleep(plan.settleMs);
  const idle = await settledRss(relay.pid);
  const split = memoryMiB(relay.pid);
  const tag = `mem-${Date.now().toString(36)}`;
  const sends: Array<Promise<unknown>> = [];
  await world.convex.resetStats();
  const started = Date.now();
  const cpuAtStart = cpuSeconds(relay.pid);
  const [, , runs] = await Promise.all([
    spread(plan.appMessages, plan.seconds, (i) => {
      sends.push(world.app.send(`agent:main:bench-${tag}-a${i % 8}`, `m${i}`).catch(() => undefined));
    }),
    spread(plan.transcriptRows, plan.seconds, (i) => peer.emitSessionMessage(`agent:main:bench-${tag}-g${i % 8}`, `${tag}-${i}`, Math.floor(i / 8) + 1, `row ${i}`)),
    streamReplies(peer, tag, plan),
  ]);
  await Promise.all(sends);
  const finals = async () => {
    let ok = 0;
    const keys = new Set([...runs.values()].map((run) => run.sessionKey));
    for (const key of keys) {
      for (const row of await world.app.allMessages(key)) {
        const run = row.runId ? runs.get(row.runId) : undefined;
        if (run && row.status === "final" && row.text === run.text) ok += 1;
      }
    }
    return ok;
  };
  // Rows, not ingest calls: live transcript messages of a session are batched.
  const ingested = async () => (await rowsOf(world, `${tag}-`, 8, (s) => `agent:main:bench-${tag}-g${s}`)).size;
  await waitUntil(
    "all messages relayed",
    // The peer is fresh for this phase: every chat.send it saw is one of ours.
    async () => peer.arrivals.size >= plan.appMessages && (await finals()) === runs.size && (await ingested()) >= plan.transcriptRows,
    plan.timeoutMs,
    250,
  ).catch(() => undefined);
  const relayedSeconds = (Date.now() - started) / 1000;
  const relayCpuSeconds = cpuSeconds(relay.pid) - cpuAtStart;
  const appToGateway = Math.min(plan.appMessages, peer.arrivals.size);
  const transcriptRows = await ingested();
  const completeReplies = await finals();
  await sleep(plan.settleMs);
  const after = await settledRss(relay.pid);
  const deltas = completeReplies * plan.deltasPerReply;
  return {
    idleMiB: idle,
    idleSplit: { anon: split?.anon ?? Number.NaN, file: split?.file ?? Number.NaN },
    afterMiB: after,
    growthMiB: after - idle,
    peakMiB: memoryMiB(relay.pid)?.peak ?? Number.NaN,
    relayed: { appToGateway, transcriptRows, deltas, replies: completeReplies, total: appToGateway + transcriptRows + deltas },
    relayedSeconds,
    relayCpuSeconds,
    lost: plan.appMessages - appToGateway + (plan.transcriptRows - transcriptRows) + (plan.replies - completeReplies) * plan.deltasPerReply,
  };
}
