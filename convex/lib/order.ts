/** Where a message sits in its session's list: the Gateway transcript's order once mirrored, after it until then. */
import type { Doc, Id } from "../_generated/dataModel.js";
import type { DatabaseReader, MutationCtx } from "../_generated/server.js";
import { MAX_ORDER_SCAN } from "./limits.js";

/**
 * A mirrored message's place: when the Gateway appended it to the transcript (`recordedAt`), which
 * follows the transcript's seq, also across a session reset (seq starts again at 1, the clock
 * doesn't). An app message keeps its send time in `createdAt`; in a burst the Gateway records it
 * only when its turn comes, after the reply before it, and this is where the app must show it.
 * Without a record time (older Gateways) the message's own timestamp is the best there is.
 */
export function transcriptOrder(message: { recordedAt?: number; timestamp: number }): number {
  return message.recordedAt ?? message.timestamp;
}

function sessionRows(db: DatabaseReader, instanceId: Id<"instances">, sessionKey: string) {
  return db
    .query("messages")
    .withIndex("by_instance_session_order", (q) => q.eq("instanceId", instanceId).eq("sessionKey", sessionKey))
    .order("desc");
}

/** A row not in the transcript yet (an app send, a reply starting to stream): after everything in the session. */
export async function orderForNewRow(db: DatabaseReader, instanceId: Id<"instances">, sessionKey: string, now: number): Promise<number> {
  const newest = await sessionRows(db, instanceId, sessionKey).first();
  return Math.max(now, (newest?.order ?? 0) + 1);
}

/** Rows whose transcript position is still to come: app messages not mirrored yet, and replies still streaming. */
function awaitsTranscript(row: Doc<"messages">): boolean {
  if (row.gatewayMessageId !== undefined) return false;
  return row.status === "streaming" || (row.source === "app" && (row.status === "queued" || row.status === "delivered"));
}

/**
 * After an ingest placed mirrored rows (`placed`), rows still waiting for their transcript position
 * that now sit below one of them move up just above the newest mirrored row, keeping their own
 * order and staying below whatever already sat above it: a queued burst stays at the bottom of the
 * chat, after the replies the Gateway recorded before it. Rows that ended without reaching the
 * transcript (failed, expired, cut short) stay where they happened. Looks at the newest
 * MAX_ORDER_SCAN rows of the session, down to the first mirrored row this ingest didn't place.
 * Returns how many rows moved.
 */
export async function liftAwaitingRows(
  ctx: MutationCtx,
  instanceId: Id<"instances">,
  sessionKey: string,
  placed: ReadonlySet<Id<"messages">>,
): Promise<number> {
  if (placed.size === 0) return 0;
  let newestMirrored: number | undefined;
  let lowestAbove: number | undefined;
  const below: Doc<"messages">[] = [];
  let scanned = 0;
  for await (const row of sessionRows(ctx.db, instanceId, sessionKey)) {
    if (++scanned > MAX_ORDER_SCAN) break;
    if (row.gatewayMessageId !== undefined) {
      if (!placed.has(row._id)) break; // placed by an earlier ingest: everything under it was settled then
      newestMirrored ??= row.order;
      continue;
    }
    if (newestMirrored === undefined) lowestAbove = row.order;
    else if (awaitsTranscript(row)) below.push(row);
  }
  if (newestMirrored === undefined || below.length === 0) return 0;
  const orders = spread(newestMirrored, lowestAbove, below.length);
  // `below` was collected newest first; its oldest row takes the lowest new place.
  const now = Date.now();
  const oldestFirst = below.reverse();
  for (let i = 0; i < oldestFirst.length; i += 1) await ctx.db.patch(oldestFirst[i]!._id, { order: orders[i], updatedAt: now });
  return below.length;
}

/** `count` increasing places strictly between `floor` and `ceiling` (one apart when there is no ceiling). */
export function spread(floor: number, ceiling: number | undefined, count: number): number[] {
  const step = ceiling === undefined || ceiling - floor > count + 1 ? 1 : (ceiling - floor) / (count + 1);
  return Array.from({ length: count }, (_, i) => floor + step * (i + 1));
}
