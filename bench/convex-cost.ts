/** Measure 4: Convex function calls caused by one streamed reply (the peer emits the deltas, the app watches). */
import type { PeerGateway } from "./peer-gateway.js";
import { sleep, waitUntil } from "./timing.js";
import type { World } from "./world.js";

export interface CostResult {
  deltas: number;
  replySeconds: number;
  /** relay:upsertStream mutations for the reply (streaming writes + the final). */
  streamWrites: number;
  writesPerSecond: number;
  /** Every function execution on the server meanwhile: the writes, plus the subscribed queries they re-ran. */
  totalCalls: number;
  calls: Record<string, number>;
}

/** One reply of `deltas` chat deltas `intervalMs` apart, then its final; counted from a zeroed server counter. */
export async function measureStreamCost(world: World, peer: PeerGateway, options: { deltas: number; intervalMs: number }): Promise<CostResult> {
  const sessionKey = `agent:main:bench-cost-${Date.now().toString(36)}`;
  const runId = `bench-run-${Date.now().toString(36)}`;
  let final = false;
  // The phone is on the chat screen, so its live query is part of the cost of every write.
  const stop = world.app.watchMessages(sessionKey, (rows) => {
    if (rows.some((row) => row.runId === runId && row.status === "final")) final = true;
  });
  await sleep(300);
  await world.convex.resetStats();
  const started = Date.now();
  let text = "";
  for (let i = 0; i < options.deltas; i += 1) {
    const due = started + i * options.intervalMs;
    if (due > Date.now()) await sleep(due - Date.now());
    const piece = `word${i} `;
    text += piece;
    peer.emitChat(sessionKey, runId, i + 1, "delta", text, piece);
  }
  await sleep(options.intervalMs);
  peer.emitChat(sessionKey, runId, options.deltas + 1, "final", text);
  const replySeconds = (Date.now() - started) / 1000;
  await waitUntil("the app to see the final", () => final, 10_000, 10);
  // Let the re-runs the last write caused finish before counting.
  await sleep(500);
  const stats = await world.convex.stats();
  stop();
  const streamWrites = stats.calls["relay:upsertStream"] ?? 0;
  return {
    deltas: options.deltas,
    replySeconds,
    streamWrites,
    writesPerSecond: streamWrites / replySeconds,
    totalCalls: Object.values(stats.calls).reduce((sum, n) => sum + n, 0),
    calls: stats.calls,
  };
}
