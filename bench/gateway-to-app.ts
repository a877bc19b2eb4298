/** Measure 2: from a `chat` event passing the proxy to the app's live query showing it (first text, and the final). */
import type { GatewayProxy } from "./gateway-proxy.js";
import { loopDelayMonitor, summarize, type Summary } from "./stats.js";
import { waitUntil } from "./timing.js";
import type { World } from "./world.js";

export interface GatewayToAppResult {
  /** First `delta` event at the proxy → the app first shows any text of that reply. */
  firstText: Summary;
  /**
   * The Gateway's first terminal signal for the run at the proxy (its assistant transcript row, which
   * comes before the `final` chat event, or that event) → the app shows the reply as final.
   */
  final: Summary;
  /** How much earlier than `final` the transcript row arrived (ms), i.e. why the app may see "final" before it. */
  transcriptLead: Summary;
  replies: number;
  missing: number;
  /** Every sample in send order (first text, final), so an outlier can be placed. */
  samples: Array<[number, number]>;
  /** The bench process's event-loop delay meanwhile (ms): a late loop would blur these timings. */
  benchLoopDelay: { p99: number; max: number };
}

const TERMINAL = new Set(["final", "error", "aborted"]);

/** Sends `count` prompts one after another into one session and times each reply's way back. */
export async function measureGatewayToApp(world: World, proxy: GatewayProxy, options: { label: string; count: number; replyTimeoutMs: number }): Promise<GatewayToAppResult> {
  const sessionKey = `agent:main:bench-${options.label}-${Date.now().toString(36)}`;
  const firstSeen = new Map<string, number>();
  const finalSeen = new Map<string, number>();
  /** The app row's id → its runId: the Gateway runs the turn under that id (the chat.send idempotency key). */
  const runOf = new Map<string, string>();
  const stop = world.app.watchMessages(sessionKey, (rows) => {
    const now = Date.now();
    for (const row of rows) {
      if (row.role === "user" && row.runId) runOf.set(row.messageId, row.runId);
      if (row.role !== "assistant" || !row.runId) continue;
      if (row.text.length > 0 && !firstSeen.has(row.runId)) firstSeen.set(row.runId, now);
      if (TERMINAL.has(row.status) && !finalSeen.has(row.runId)) finalSeen.set(row.runId, now);
    }
  });
  const firstText: number[] = [];
  const final: number[] = [];
  const lead: number[] = [];
  const loop = loopDelayMonitor();
  let missing = 0;
  try {
    for (let i = 0; i < options.count; i += 1) {
      const { messageId } = await world.app.send(sessionKey, `stream ${options.label} ${i}`);
      const runId = await waitUntil("the app to see its own row", () => runOf.get(messageId), 10_000, 5).catch(() => "");
      const done = await waitUntil("the reply to reach the app", () => finalSeen.has(runId) && proxy.chats.get(runId)?.final !== undefined, options.replyTimeoutMs, 10).catch(() => false);
      const times = proxy.chats.get(runId);
      if (!done || times?.firstDelta === undefined || times.final === undefined) {
        missing += 1;
        continue;
      }
      firstText.push(firstSeen.get(runId)! - times.firstDelta);
      const terminal = Math.min(times.final, times.transcript ?? Number.POSITIVE_INFINITY);
      final.push(finalSeen.get(runId)! - terminal);
      lead.push(times.final - terminal);
    }
  } finally {
    stop();
  }
  const benchLoopDelay = loop.stop();
  return {
    benchLoopDelay,
    firstText: summarize(firstText),
    final: summarize(final),
    transcriptLead: summarize(lead),
    replies: firstText.length,
    missing,
    samples: firstText.map((first, i) => [first, final[i]!]),
  };
}
