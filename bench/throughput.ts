/** Measure 3: sustained relayed messages per second, both directions, stepped up until the rate stops growing. */
import type { PeerGateway } from "./peer-gateway.js";
import { CpuWindow } from "./proc-stats.js";
import type { RelayProcess } from "./relay-process.js";
import { sleep, waitUntil } from "./timing.js";
import type { World } from "./world.js";

export interface StepResult {
  offered: number;
  sent: number;
  /** Relayed messages per second: delivered count over first send → last delivery. */
  achieved: number;
  lost: number;
  duplicates: number;
  /** CPU use during the step, % of one core. */
  cpu: Record<string, number>;
}

export interface StepWorld {
  world: World;
  peer: PeerGateway;
  relay: RelayProcess;
}

const SESSIONS = 8;

/** Calls `fire(i)` `count` times at `rate` per second, in 10 ms ticks. Returns when the last one was fired. */
export async function paced(rate: number, count: number, fire: (i: number) => void): Promise<void> {
  const start = Date.now();
  let fired = 0;
  while (fired < count) {
    const due = Math.min(count, Math.floor(((Date.now() - start) / 1000) * rate) + 1);
    while (fired < due) fire(fired++);
    await sleep(10);
  }
}

function cpuOf(step: StepWorld): CpuWindow {
  return new CpuWindow({ relay: step.relay.pid, convex: step.world.convex.child.pid!, bench: process.pid });
}

/** App → Gateway: app writes at `rate`; the peer timestamps each chat.send. */
export async function appToGatewayStep(step: StepWorld, rate: number, seconds: number, drainMs: number): Promise<StepResult> {
  const { world, peer } = step;
  const count = Math.round(rate * seconds);
  const tag = `tp${rate}-${Date.now().toString(36)}`;
  const sends: Array<Promise<unknown>> = [];
  const dupBefore = peer.duplicates;
  const cpu = cpuOf(step);
  const started = Date.now();
  await paced(rate, count, (i) => sends.push(world.app.send(`agent:main:bench-${tag}-${i % SESSIONS}`, `m${i}`).catch(() => undefined)));
  await Promise.race([Promise.all(sends), sleep(drainMs)]);
  // The peer is fresh for this step, so every key it has seen is one of ours.
  await waitUntil("chat.send arrivals", () => peer.arrivals.size >= count, drainMs, 10).catch(() => undefined);
  const cpuUse = cpu.finish();
  // Then check identities: each app row's runId arrived exactly once.
  const runIds = new Set<string>();
  for (let s = 0; s < SESSIONS; s += 1) {
    for (const row of await world.app.allMessages(`agent:main:bench-${tag}-${s}`)) if (row.source === "app" && row.runId) runIds.add(row.runId);
  }
  const arrived = [...runIds].filter((id) => peer.arrivals.has(id));
  const last = Math.max(started, ...arrived.map((id) => peer.arrivals.get(id)!));
  return {
    offered: rate,
    sent: count,
    achieved: arrived.length / Math.max(0.001, (last - started) / 1000),
    lost: count - arrived.length,
    duplicates: peer.duplicates - dupBefore,
    cpu: cpuUse,
  };
}

/** Gateway → App: the peer emits `session.message` at `rate`; rows are counted in Convex, exactly once each. */
export async function gatewayToAppStep(step: StepWorld, rate: number, seconds: number, drainMs: number): Promise<StepResult> {
  const { world, peer } = step;
  const count = Math.round(rate * seconds);
  const tag = `gt${rate}-${Date.now().toString(36)}`;
  const sessionKey = (i: number) => `agent:main:bench-${tag}-${i % SESSIONS}`;
  await world.convex.resetStats();
  const cpu = cpuOf(step);
  const started = Date.now();
  await paced(rate, count, (i) => peer.emitSessionMessage(sessionKey(i), `${tag}-${i}`, Math.floor(i / SESSIONS) + 1, `row ${i}`));
  // Live messages are batched per session, so calls are not rows. The server's ingest counter says
  // when the relay last wrote; once it has been still for a moment the rows are counted, and the
  // step ends at that last write (timed to the 25 ms poll) if every row is there.
  let lastCalls = -1;
  let lastChangeAt = Date.now();
  let seen = new Map<string, number>();
  const doneAt = await waitUntil(
    "ingested rows",
    async () => {
      const calls = (await world.convex.stats()).calls["relay:ingestTranscript"] ?? 0;
      if (calls !== lastCalls) {
        lastCalls = calls;
        lastChangeAt = Date.now();
        return false;
      }
      if (Date.now() - lastChangeAt < QUIET_MS) return false;
      const lastWriteAt = lastChangeAt;
      seen = await rowsOf(world, tag, SESSIONS, sessionKey);
      if (seen.size >= count) return lastWriteAt;
      lastChangeAt = Date.now(); // not all there yet: count again after the next quiet moment
      return false;
    },
    drainMs,
    25,
  ).catch(() => undefined);
  const cpuUse = cpu.finish();
  if (doneAt === undefined) seen = await rowsOf(world, tag, SESSIONS, sessionKey);
  const duplicates = [...seen.values()].reduce((sum, n) => sum + n - 1, 0);
  return {
    offered: rate,
    sent: count,
    achieved: (doneAt === undefined ? seen.size : count) / Math.max(0.001, ((doneAt ?? Date.now()) - started) / 1000),
    lost: count - seen.size,
    duplicates,
    cpu: cpuUse,
  };
}

/** How long the ingest counter must stand still before the rows are counted. */
const QUIET_MS = 300;

/** gatewayMessageId (those starting with `prefix`) → how many Convex rows carry it, over `sessions` sessions. */
export async function rowsOf(world: World, prefix: string, sessions: number, sessionKey: (i: number) => string): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let s = 0; s < sessions; s += 1) {
    for (const row of await world.app.allMessages(sessionKey(s))) {
      if (row.gatewayMessageId?.startsWith(prefix)) seen.set(row.gatewayMessageId, (seen.get(row.gatewayMessageId) ?? 0) + 1);
    }
  }
  return seen;
}

/** The knee: the highest offered rate carried in full (≥ 95 % of it, nothing lost or doubled). */
export function knee(steps: readonly StepResult[]): StepResult | undefined {
  let best: StepResult | undefined;
  for (const s of steps) if (s.lost === 0 && s.duplicates === 0 && s.achieved >= 0.95 * s.offered) best = s;
  return best;
}

/** Runs steps in order until one is not carried in full (the rate stopped growing). */
export async function stepUp(rates: readonly number[], run: (rate: number) => Promise<StepResult>): Promise<StepResult[]> {
  const steps: StepResult[] = [];
  for (const rate of rates) {
    const result = await run(rate);
    steps.push(result);
    if (result.lost > 0 || result.achieved < 0.9 * rate) break;
  }
  return steps;
}
