/** The phases against the minimal protocol peer: 1b latency, 3 throughput, 4 Convex cost, 5 memory. */
import { measureAppToGateway, type AppToGatewayResult } from "./app-to-gateway.js";
import { BaselinePoller } from "./baseline-poller.js";
import { track } from "./cleanup.js";
import { measureStreamCost, type CostResult } from "./convex-cost.js";
import { measureMemory, type MemoryPlan, type MemoryResult } from "./memory.js";
import { PeerGateway } from "./peer-gateway.js";
import { startRelay, type RelayProcess } from "./relay-process.js";
import { appToGatewayStep, gatewayToAppStep, stepUp, type StepResult } from "./throughput.js";
import { startWorld, type World } from "./world.js";

const PEER_TOKEN = "bench-peer-token";

export interface PeerSetup {
  world: World;
  peer: PeerGateway;
  relay: RelayProcess;
}

/** A fresh Convex world, peer and relay for `body`, all stopped afterwards whatever happens. */
export async function withPeerRelay<T>(
  name: string,
  streamWritesPerSecond: number | undefined,
  body: (setup: PeerSetup) => Promise<T>,
  nodeArgs?: readonly string[],
): Promise<T> {
  const world = await startWorld(name);
  const stopWorld = track(`${name} convex`, () => world.stop(), () => world.convex.child.pid);
  const peer = await PeerGateway.start();
  const stopPeer = track(`${name} peer`, () => peer.close());
  try {
    const relay = await startRelay(world, {
      gatewayUrl: peer.url,
      gatewayToken: PEER_TOKEN,
      ...(streamWritesPerSecond ? { streamWritesPerSecond } : {}),
      ...(nodeArgs ? { nodeArgs } : {}),
    });
    const stopRelay = track(`${name} relay`, () => relay.stop(), () => relay.pid);
    try {
      await relay.waitReady();
      return await body({ world, peer, relay });
    } finally {
      await stopRelay();
    }
  } finally {
    await stopPeer();
    await stopWorld();
  }
}

export interface PeerLatency {
  relay: AppToGatewayResult;
  baseline: AppToGatewayResult;
}

/** 1b: the same paced app messages through the relay, then through the 2 s poller, into the same peer. */
export async function peerLatency(log: (line: string) => void, options: { count: number; ratePerSecond: number }): Promise<PeerLatency> {
  const world = await startWorld("bench 1b");
  const stopWorld = track("1b convex", () => world.stop(), () => world.convex.child.pid);
  const peer = await PeerGateway.start();
  const stopPeer = track("1b peer", () => peer.close());
  const common = { count: options.count, ratePerSecond: options.ratePerSecond, sessions: 4 };
  try {
    const relay = await startRelay(world, { gatewayUrl: peer.url, gatewayToken: PEER_TOKEN });
    const stopRelay = track("1b relay", () => relay.stop(), () => relay.pid);
    await relay.waitReady();
    log(`1b relay: ${options.count} messages at ${options.ratePerSecond}/s`);
    const ours = await measureAppToGateway(world, peer.arrivals, () => peer.duplicates, { ...common, label: "peer-relay", drainMs: 5_000 });
    await stopRelay();
    const poller = await BaselinePoller.start(world.convex.url, world.secret, world.contentKey, peer.url, PEER_TOKEN);
    const stopPoller = track("1b poller", () => poller.stop());
    log("1b baseline (2 s poll)");
    const baseline = await measureAppToGateway(world, peer.arrivals, () => peer.duplicates, { ...common, label: "peer-poll", drainMs: 6_000 });
    await stopPoller();
    return { relay: ours, baseline };
  } finally {
    await stopPeer();
    await stopWorld();
  }
}

export interface Throughput {
  appToGateway: StepResult[];
  gatewayToApp: StepResult[];
}

/** 3: each step in a fresh world (see world.ts for why), both directions. */
export async function throughput(log: (line: string) => void, rates: readonly number[], seconds: number): Promise<Throughput> {
  const appToGateway = await stepUp(rates, (rate) =>
    withPeerRelay(`bench tp a${rate}`, undefined, async (setup) => {
      const step = await appToGatewayStep(setup, rate, seconds, 10_000);
      log(`3 app→gateway ${rate}/s: ${step.achieved.toFixed(0)}/s, lost ${step.lost}, cpu ${JSON.stringify(step.cpu)}`);
      return step;
    }),
  );
  const gatewayToApp = await stepUp(rates, (rate) =>
    withPeerRelay(`bench tp g${rate}`, undefined, async (setup) => {
      const step = await gatewayToAppStep(setup, rate, seconds, 10_000);
      log(`3 gateway→app ${rate}/s: ${step.achieved.toFixed(0)}/s, lost ${step.lost}, cpu ${JSON.stringify(step.cpu)}`);
      return step;
    }),
  );
  return { appToGateway, gatewayToApp };
}

export interface Cost {
  coalesced: CostResult;
  perDelta: CostResult;
}

/** 4: one reply of `deltas` deltas with the default 4 writes/s, then with 50/s (the schema's maximum: one write per delta here). */
export async function convexCost(log: (line: string) => void, deltas: number, intervalMs: number): Promise<Cost> {
  const coalesced = await withPeerRelay("bench cost 4", undefined, ({ world, peer }) => measureStreamCost(world, peer, { deltas, intervalMs }));
  log(`4 coalesced: ${coalesced.streamWrites} writes in ${coalesced.replySeconds.toFixed(1)} s, ${coalesced.totalCalls} calls`);
  const perDelta = await withPeerRelay("bench cost 50", 50, ({ world, peer }) => measureStreamCost(world, peer, { deltas, intervalMs }));
  log(`4 per delta: ${perDelta.streamWrites} writes, ${perDelta.totalCalls} calls`);
  return { coalesced, perDelta };
}

/**
 * 5: idle RSS, then 10,000 relayed messages of every kind, then RSS again — `repeats` times, each with
 * a fresh relay and Convex, because one run's growth depends on when V8 last collected. The run with
 * the median growth stands for the phase; every run's figures are kept.
 */
export async function memory(log: (line: string) => void, plan: MemoryPlan, repeats: number): Promise<MemoryResult> {
  const runs: MemoryResult[] = [];
  for (let i = 0; i < repeats; i += 1) {
    const result = await withPeerRelay("bench memory", undefined, ({ world, peer, relay }) => measureMemory(world, peer, relay, plan));
    log(`5 memory run ${i + 1}/${repeats}: idle ${result.idleMiB.toFixed(1)} MiB, after ${result.afterMiB.toFixed(1)} MiB, ${result.relayed.total} relayed in ${result.relayedSeconds.toFixed(0)} s, lost ${result.lost}, relay CPU ${result.relayCpuSeconds.toFixed(1)} s`);
    runs.push(result);
  }
  const median = [...runs].sort((a, b) => a.growthMiB - b.growthMiB)[Math.floor(runs.length / 2)]!;
  return { ...median, runs: runs.map((r) => ({ idleMiB: r.idleMiB, growthMiB: r.growthMiB, peakMiB: r.peakMiB, lost: r.lost })) };
}
