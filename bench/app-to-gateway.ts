/** Measure 1: from an app message's commit in Convex (row `createdAt`) to its chat.send reaching the Gateway side. */
import { loopDelayMonitor, summarize, type Summary } from "./stats.js";
import { seededRandom } from "../dev/devkit/seeded-random.js";
import { sleep, waitUntil } from "./timing.js";
import type { World } from "./world.js";

export interface AppToGatewayOptions {
  label: string;
  count: number;
  /** Offered rate (messages per second), open loop with seeded jitter. */
  ratePerSecond: number;
  /** Messages go round-robin to this many sessions (the relay serialises each session, as the Gateway needs). */
  sessions: number;
  /** How long to wait for stragglers after the last send. */
  drainMs: number;
}

export interface AppToGatewayResult {
  /** arrival − row createdAt (ms; Convex sets createdAt with Date.now() in the same host's clock). */
  latency: Summary;
  /** arrival − the app's mutation promise resolving (can be negative: the app's ack waits for its own query sync). */
  fromAppAck: Summary;
  sent: number;
  /** Final status of the app rows afterwards (all should be `delivered`). */
  statuses: Record<string, number>;
  lost: number;
  duplicates: number;
  /** The bench process's event-loop delay while sending and timestamping (ms). */
  benchLoopDelay: { p99: number; max: number };
}

/** `arrivals` is the peer's or the proxy's map of chat.send idempotency key → arrival time. */
export async function measureAppToGateway(
  world: World,
  arrivals: Map<string, number>,
  duplicates: () => number,
  options: AppToGatewayOptions,
): Promise<AppToGatewayResult> {
  const random = seededRandom(0x5eed + options.count);
  const keys = Array.from({ length: options.sessions }, (_, i) => `agent:main:bench-${options.label}-${i}-${Date.now().toString(36)}`);
  const intervalMs = 1000 / options.ratePerSecond;
  const acked = new Map<string, number>();
  const sends: Array<Promise<void>> = [];
  const dupBefore = duplicates();
  const loop = loopDelayMonitor();
  const start = Date.now() + 100;
  for (let i = 0; i < options.count; i += 1) {
    // Jitter within each slot keeps sends from lining up with the baseline's 2 s period.
    const due = start + (i + random() * 0.8) * intervalMs;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    const sessionKey = keys[i % keys.length]!;
    sends.push(world.app.send(sessionKey, `bench ${options.label} ${i}`).then(({ messageId }) => void acked.set(messageId, Date.now())));
  }
  await Promise.all(sends);
  // The chat.send idempotency key is the row's runId (fixed by app:send), so learn it from the rows.
  const rowsNow = await appRows(world, keys, acked);
  const runIds = [...rowsNow.values()].map((row) => row.runId);
  await waitUntil("every chat.send to arrive", () => runIds.every((id) => arrivals.has(id)), options.drainMs, 20).catch(() => undefined);
  // Rows are marked delivered after the Gateway's answer, which a busy Gateway may take seconds to give.
  await waitUntil("every row to leave the queue", async () => (await world.queuedCount()) === 0, options.drainMs, 100).catch(() => undefined);
  const benchLoopDelay = loop.stop();
  const rows = await appRows(world, keys, acked);
  const statuses: Record<string, number> = {};
  for (const row of rows.values()) statuses[row.status] = (statuses[row.status] ?? 0) + 1;
  const latency: number[] = [];
  const fromAck: number[] = [];
  for (const [messageId, row] of rows) {
    const at = arrivals.get(row.runId);
    if (at === undefined) continue;
    latency.push(at - row.createdAt);
    fromAck.push(at - acked.get(messageId)!);
  }
  return {
    latency: summarize(latency),
    fromAppAck: summarize(fromAck),
    sent: acked.size,
    statuses,
    lost: acked.size - latency.length,
    duplicates: duplicates() - dupBefore,
    benchLoopDelay,
  };
}

/** The app's own rows among `keys`' sessions, by message id (with the runId the relay sends as idempotency key). */
async function appRows(world: World, keys: readonly string[], ours: ReadonlyMap<string, number>): Promise<Map<string, { runId: string; createdAt: number; status: string }>> {
  const rows = new Map<string, { runId: string; createdAt: number; status: string }>();
  for (const sessionKey of keys) {
    for (const row of await world.app.allMessages(sessionKey)) {
      if (ours.has(row.messageId)) rows.set(row.messageId, { runId: row.runId ?? row.messageId, createdAt: row.createdAt, status: row.status });
    }
  }
  return rows;
}
