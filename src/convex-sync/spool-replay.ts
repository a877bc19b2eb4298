/** Replays the spool to Convex in order, a window at a time, never past the in-flight bounds. */
import type { Clock, TimerHandle } from "../gateway/clock.js";
import type { Logger } from "../logging/logger.js";
import { sizeOf, type InFlightWindow } from "./in-flight.js";
import type { Spool, SpoolEntry } from "./spool.js";

export interface SpoolReplayContext {
  spool: Spool;
  window: InFlightWindow;
  logger: Logger;
  clock: Clock;
  batchSize: number;
  /** A batch unanswered this long while the link is down is abandoned; the next attempt resends it. */
  timeoutMs: number;
  connected: () => boolean;
  /** Sends one spooled write through the writer's window; resolves once answered or refused. */
  send: (entry: SpoolEntry, bytes: number) => Promise<void>;
  /** Where replay resumes: every entry before it has been answered in this process. */
  offset: { get: () => number; set: (offset: number) => void };
  /** Whether writes are still on their way to the file (then the spool is not drained yet). */
  appending: () => boolean;
  /** Sends writes the disk refused straight to Convex, in order; false if none could go now. */
  sendQueued: () => boolean;
  /** Runs inside the spool's exclusive section, right after truncation: no append can slip in. */
  switchToDirect: () => void;
}

export interface SpoolReplayOutcome {
  /** True once the spool was emptied and the writer switched back to direct writes. */
  switched: boolean;
  replayed: number;
}

/**
 * Reads at most one window of the spool at a time (bounded by the batch size and the byte bound),
 * so replaying a spool of any size holds no more than that in memory; each batch sent is cut to
 * what fits into the in-flight window next to whatever is still unanswered.
 */
export async function replaySpool(ctx: SpoolReplayContext): Promise<SpoolReplayOutcome> {
  let replayed = 0;
  while (ctx.connected()) {
    const from = ctx.offset.get();
    const { entries, endOffset, skipped } = await ctx.spool.read(from, { maxEntries: ctx.batchSize, maxBytes: ctx.window.limits.maxBytes });
    if (skipped > 0) ctx.logger.warn("skipped damaged spool lines", { skipped });
    if (entries.length === 0) {
      ctx.offset.set(endOffset);
      const step = await ctx.spool.exclusive(async (exclusive): Promise<"switched" | "more" | "wait"> => {
        // Anything complete past endOffset arrived meanwhile; a torn tail (crash) is dropped.
        const rest = await exclusive.read(endOffset, { maxEntries: 1, maxBytes: ctx.window.limits.maxBytes });
        if (rest.entries.length > 0 || rest.skipped > 0) return "more";
        if (ctx.appending()) return ctx.sendQueued() ? "more" : "wait";
        await exclusive.truncate();
        ctx.offset.set(0);
        ctx.switchToDirect();
        return "switched";
      });
      if (step === "switched") return { switched: true, replayed };
      // Woken by an answer, an append attempt or a connection change.
      if (step === "wait") await ctx.window.changed();
      continue;
    }
    const sizes = entries.map((entry) => sizeOf(entry.args));
    let next = 0;
    while (next < entries.length) {
      if (!ctx.connected()) return { switched: false, replayed };
      const fitting = ctx.window.fitCount(sizes.slice(next));
      if (fitting === 0) {
        await ctx.window.changed();
        continue;
      }
      const answered = await sendBatch(ctx, entries.slice(next, next + fitting), sizes.slice(next, next + fitting));
      if (!answered) return { switched: false, replayed }; // the link dropped; the spool still holds it
      next += fitting;
      replayed += fitting;
    }
    ctx.offset.set(endOffset);
  }
  return { switched: false, replayed };
}

/** The byte offset just past the spool's first `count` entries, read a window at a time. */
export async function offsetAfter(spool: Spool, count: number, windowBytes: number): Promise<number> {
  let offset = 0;
  for (let left = count; left > 0; ) {
    const read = await spool.read(offset, { maxEntries: left, maxBytes: windowBytes });
    if (read.endOffset === offset) break; // fewer entries than expected: stop at the end
    left -= read.entries.length;
    offset = read.endOffset;
  }
  return offset;
}

/**
 * Sends a batch pipelined (the client keeps their order) and waits for every answer. Slow is not
 * lost: resending while connected would only double the load on a Convex that is already behind.
 * False only if the link is down when the timeout fires; a later attempt then resends the batch.
 */
async function sendBatch(ctx: SpoolReplayContext, batch: SpoolEntry[], sizes: number[]): Promise<boolean> {
  let answered = false;
  const all = Promise.all(batch.map((entry, index) => ctx.send(entry, sizes[index] ?? 0))).then(() => {
    answered = true;
  });
  for (;;) {
    let timer: TimerHandle | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = ctx.clock.setTimeout(resolve, ctx.timeoutMs);
    });
    try {
      await Promise.race([all, timeout]);
    } finally {
      if (timer !== undefined) ctx.clock.clearTimeout(timer);
    }
    if (answered) return true;
    if (!ctx.connected()) return false;
  }
}
