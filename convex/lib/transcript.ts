/** Mirroring the gateway transcript idempotently, merging the relay's own sends and stream rows into one row each. */
import { v, type Infer } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel.js";
import type { MutationCtx } from "../_generated/server.js";
import { badRequest } from "./errors.js";
import { messageRole } from "./fields.js";
import { chargeStorage, textBytes } from "./quota.js";
import { liftAwaitingRows, transcriptOrder } from "./order.js";
import { MAX_ID_CHARS, MAX_IDEMPOTENCY_KEY_CHARS, MAX_INGEST_BATCH, MAX_SEALED_TEXT_CHARS } from "./limits.js";
import { optionalString, requireString, requireText, requireTimestamp } from "./validate.js";

export const transcriptMessage = v.object({
  gatewayMessageId: v.string(),
  seq: v.optional(v.number()),
  role: messageRole,
  text: v.string(),
  timestamp: v.number(),
  idempotencyKey: v.optional(v.string()),
  runId: v.optional(v.string()),
  /** When the Gateway appended it to the transcript (its `recordTimestampMs`): the session's order. */
  recordedAt: v.optional(v.number()),
  /** The Gateway cut `text` and the relay could not get the whole of it. */
  gatewayTruncated: v.optional(v.boolean()),
});
export type TranscriptRow = Infer<typeof transcriptMessage>;

export type IngestCounts = { inserted: number; merged: number; skipped: number };

const STREAM_STATES: ReadonlySet<Doc<"messages">["status"]> = new Set(["streaming", "final", "error", "aborted"]);

export function checkTranscript(messages: TranscriptRow[]): void {
  if (messages.length > MAX_INGEST_BATCH) badRequest(`messages holds at most ${MAX_INGEST_BATCH} entries per call`);
  messages.forEach((m, i) => {
    requireString(`messages[${i}].gatewayMessageId`, m.gatewayMessageId, MAX_ID_CHARS);
    requireText(`messages[${i}].text`, m.text, MAX_SEALED_TEXT_CHARS, true);
    requireTimestamp(`messages[${i}].timestamp`, m.timestamp);
    if (m.recordedAt !== undefined) requireTimestamp(`messages[${i}].recordedAt`, m.recordedAt);
    if (m.seq !== undefined) requireTimestamp(`messages[${i}].seq`, m.seq);
    optionalString(`messages[${i}].idempotencyKey`, m.idempotencyKey, MAX_IDEMPOTENCY_KEY_CHARS);
    optionalString(`messages[${i}].runId`, m.runId, MAX_ID_CHARS);
  });
}

/** The app row the relay sent as run `runId` (set by `app.send`, or by `markDelivered` if the relay chose another). */
async function appRowForRun(ctx: MutationCtx, instanceId: Id<"instances">, runId: string): Promise<Doc<"messages"> | null> {
  const rows = await ctx.db
    .query("messages")
    .withIndex("by_instance_run_role", (q) => q.eq("instanceId", instanceId).eq("runId", runId).eq("role", "user"))
    .take(10);
  return rows.find((m) => m.source === "app" && m.gatewayMessageId === undefined) ?? null;
}

async function streamRowForRun(ctx: MutationCtx, instanceId: Id<"instances">, runId: string): Promise<Doc<"messages"> | null> {
  const rows = await ctx.db
    .query("messages")
    .withIndex("by_instance_run_role", (q) => q.eq("instanceId", instanceId).eq("runId", runId).eq("role", "assistant"))
    .take(50);
  return rows.find((m) => m.gatewayMessageId === undefined && STREAM_STATES.has(m.status)) ?? null;
}

/**
 * The text a stream row keeps when its transcript message arrives. The transcript is the source of
 * truth for what was said, except when the Gateway cut it (`gatewayTruncated`): then the complete
 * reply the relay streamed stays, unless the stream saw less than the cut copy holds.
 */
export function mergedReplyText(streamText: string, m: Pick<TranscriptRow, "text" | "gatewayTruncated">): { text: string; gatewayTruncated?: true } {
  if (m.gatewayTruncated !== true) return { text: m.text };
  return streamText.length >= m.text.length ? { text: streamText } : { text: m.text, gatewayTruncated: true };
}

export async function ingestTranscript(
  ctx: MutationCtx,
  instanceId: Id<"instances">,
  sessionKey: string,
  messages: TranscriptRow[],
): Promise<IngestCounts> {
  const counts: IngestCounts = { inserted: 0, merged: 0, skipped: 0 };
  const now = Date.now();
  const placed = new Set<Id<"messages">>();
  for (const m of messages) {
    const known = await ctx.db
      .query("messages")
      .withIndex("by_instance_gateway", (q) => q.eq("instanceId", instanceId).eq("gatewayMessageId", m.gatewayMessageId))
      .first();
    if (known !== null) {
      counts.skipped++;
      continue;
    }
    const ownRunId = m.role === "user" && m.idempotencyKey?.endsWith(":user") ? m.idempotencyKey.slice(0, -5) : undefined;
    const appRow = ownRunId === undefined || ownRunId === "" ? null : await appRowForRun(ctx, instanceId, ownRunId);
    if (appRow !== null && ownRunId !== undefined) {
      // The gateway has it, so it was delivered whatever the relay last recorded; its canonical key wins.
      // The app's own text stays (what the user typed, never a copy the Gateway cut), unless the Gateway ran it
      // in another session (an alias such as `global`): the app's ciphertext is bound to the session it was
      // sent to, so the row takes the relay's copy, sealed for the session it now belongs to.
      const moved = appRow.sessionKey !== sessionKey;
      await ctx.db.patch(appRow._id, {
        ...(moved ? { text: m.text } : {}),
        gatewayMessageId: m.gatewayMessageId,
        seq: m.seq,
        runId: ownRunId,
        sessionKey,
        status: "delivered",
        error: undefined,
        order: transcriptOrder(m),
        updatedAt: now,
      });
      placed.add(appRow._id);
      counts.merged++;
      continue;
    }
    const streamRow = m.role === "assistant" && m.runId !== undefined ? await streamRowForRun(ctx, instanceId, m.runId) : null;
    if (streamRow !== null) {
      // The transcript is the source of truth for what was said; a stream still open is over once it's
      // written. Unless the copy is cut and the stream holds more: then the relay's own final write,
      // with the whole reply it streamed, ends the row (upsertStream still takes a streaming row).
      const merged = mergedReplyText(streamRow.text, m);
      const keepsStream = m.gatewayTruncated === true && merged.gatewayTruncated === undefined;
      await chargeStorage(ctx, instanceId, 0, textBytes(merged.text) - textBytes(streamRow.text));
      await ctx.db.patch(streamRow._id, {
        gatewayMessageId: m.gatewayMessageId,
        seq: m.seq,
        text: merged.text,
        gatewayTruncated: merged.gatewayTruncated,
        sessionKey,
        status: streamRow.status === "streaming" && !keepsStream ? "final" : streamRow.status,
        order: transcriptOrder(m),
        updatedAt: now,
      });
      placed.add(streamRow._id);
      counts.merged++;
      continue;
    }
    await chargeStorage(ctx, instanceId, 1, textBytes(m.text));
    const id = await ctx.db.insert("messages", {
      instanceId,
      sessionKey,
      role: m.role,
      text: m.text,
      source: "gateway",
      status: "mirrored",
      createdAt: m.timestamp,
      updatedAt: now,
      gatewayMessageId: m.gatewayMessageId,
      runId: m.runId,
      seq: m.seq,
      gatewayTruncated: m.gatewayTruncated === true ? true : undefined,
      order: transcriptOrder(m),
    });
    placed.add(id);
    counts.inserted++;
  }
  await liftAwaitingRows(ctx, instanceId, sessionKey, placed);
  return counts;
}
