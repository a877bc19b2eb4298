/** The phases against the real OpenClaw Gateway (stub model) behind the timestamping proxy: 1a latency and 2 streaming. */
import { rm } from "node:fs/promises";
import { createLocalGateway } from "../dev/devkit/local-gateway.js";
import { startStubModelServer } from "../dev/devkit/stub-model-server.js";
import { measureAppToGateway, type AppToGatewayResult } from "./app-to-gateway.js";
import { BaselinePoller } from "./baseline-poller.js";
import { track } from "./cleanup.js";
import { GatewayProxy } from "./gateway-proxy.js";
import { measureGatewayToApp, type GatewayToAppResult } from "./gateway-to-app.js";
import { startRelay } from "./relay-process.js";
import { summarize, type Summary } from "./stats.js";
import { startWorld } from "./world.js";

export interface GatewayPhases {
  gatewayVersion: string;
  gatewayStartMs: number;
  latency: { relay: AppToGatewayResult; baseline: AppToGatewayResult };
  /** The Gateway's own chat.send answer time during 1a (not part of the added latency; explains queueing). */
  gatewayAckMs: { relay: Summary; baseline: Summary };
  /** chat.send requests the Gateway refused during 1a, and their error payloads. */
  refusals: { relay: number; baseline: number; errors: unknown[] };
  sessions: number;
  stream: { relay: GatewayToAppResult; baseline: GatewayToAppResult };
}

export interface GatewayPhaseOptions {
  count: number;
  ratePerSecond: number;
  sessions: number;
  replies: number;
}

/** One Gateway for the whole block, stopped at the end (its pid is tracked for any early exit). */
export async function gatewayPhases(log: (line: string) => void, options: GatewayPhaseOptions): Promise<GatewayPhases> {
  const stub = await startStubModelServer();
  const stopStub = track("stub model", () => stub.close());
  const started = Date.now();
  let version = "unknown";
  const gateway = await createLocalGateway({
    modelBaseUrl: stub.baseUrl,
    modelId: stub.modelId,
    log: (line) => {
      version = /server (\S+),/.exec(line)?.[1] ?? version;
      log(`gateway: ${line}`);
    },
  });
  // Tracked before it starts, so an interrupt during its ~10 s start-up still stops it; its state dir goes too.
  const stopGateway = track(
    "gateway",
    async () => {
      await gateway.stop(5_000);
      await rm(gateway.stateDir, { recursive: true, force: true });
    },
    () => gateway.pid,
  );
  await gateway.start();
  const gatewayStartMs = Date.now() - started;
  const world = await startWorld("bench real gateway");
  const stopWorld = track("gateway convex", () => world.stop(), () => world.convex.child.pid);
  const proxy = await GatewayProxy.start(gateway.url);
  const stopProxy = track("proxy", () => proxy.close());
  const paced = { count: options.count, ratePerSecond: options.ratePerSecond, sessions: options.sessions };
  try {
    const relay = await startRelay(world, { gatewayUrl: proxy.url, gatewayToken: gateway.token });
    const stopRelay = track("gateway relay", () => relay.stop(), () => relay.pid);
    await relay.waitReady();
    log(`2 relay: ${options.replies} replies`);
    const streamOurs = await measureGatewayToApp(world, proxy, { label: "gw-stream-relay", count: options.replies, replyTimeoutMs: 30_000 });
    log(`1a relay: ${options.count} messages at ${options.ratePerSecond}/s over ${options.sessions} sessions`);
    proxy.ackMs.splice(0);
    const ours = await measureAppToGateway(world, proxy.arrivals, () => proxy.duplicates, { ...paced, label: "gw-relay", drainMs: 15_000 });
    const relayAcks = summarize(proxy.ackMs.splice(0));
    const relayRefusals = proxy.refusals.splice(0);
    await stopRelay();

    const poller = await BaselinePoller.start(world.convex.url, world.secret, world.contentKey, proxy.url, gateway.token);
    const stopPoller = track("gateway poller", () => poller.stop());
    log("1a baseline (2 s poll)");
    proxy.ackMs.splice(0);
    proxy.refusals.splice(0);
    const baseline = await measureAppToGateway(world, proxy.arrivals, () => proxy.duplicates, { ...paced, label: "gw-poll", drainMs: 15_000 });
    const baselineAcks = summarize(proxy.ackMs.splice(0));
    const baselineRefusals = proxy.refusals.splice(0);
    log(`2 baseline: ${options.replies} replies`);
    const streamBaseline = await measureGatewayToApp(world, proxy, { label: "gw-stream-poll", count: options.replies, replyTimeoutMs: 30_000 });
    await stopPoller();
    return {
      gatewayVersion: version,
      gatewayStartMs,
      sessions: options.sessions,
      latency: { relay: ours, baseline },
      gatewayAckMs: { relay: relayAcks, baseline: baselineAcks },
      refusals: { relay: relayRefusals.length, baseline: baselineRefusals.length, errors: [...relayRefusals, ...baselineRefusals].slice(0, 5) },
      stream: { relay: streamOurs, baseline: streamBaseline },
    };
  } finally {
    await stopProxy();
    await stopWorld();
    await stopGateway();
    await stopStub();
  }
}
