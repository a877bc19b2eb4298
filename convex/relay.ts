/** The relay's side of the API: every function takes `relaySecret` and touches only that instance. */
import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel.js";
import { internalMutation, mutation, query, type MutationCtx } from "./_generated/server.js";
import { requireInstance } from "./lib/auth.js";
import { badRequest } from "./lib/errors.js";
import { messageStatus, sessionFields, streamState } from "./lib/fields.js";
import * as L from "./lib/limits.js";
import { checkPresence as runPresenceCheck, markOffline, recordHeartbeat } from "./lib/presence.js";
import { orderForNewRow } from "./lib/order.js";
import { chargeStorage, textBytes } from "./lib/quota.js";
import { ownMessage } from "./lib/rows.js";
import { findSession, upsertSession } from "./lib/sessions.js";
import { checkTranscript, ingestTranscript as ingest, transcriptMessage } from "./lib/transcript.js";
import { clampLimit, optionalString, requireString, requireText, requireTimestamp } from "./lib/validate.js";

export const info = query({
  args: { relaySecret: v.string() },
  returns: v.object({ instanceId: v.id("instances"), name: v.string(), pairedDevices: v.number(), pendingPairing: v.boolean() }),
  handler: async (ctx, args) => {
    const instance = await requireInstance(ctx, args.relaySecret);
    const devices = await ctx.db
      .query("devices")
      .withIndex("by_instance_status", (q) => q.eq("instanceId", instance._id).eq("status", "active"))
      .take(L.MAX_ACTIVE_DEVICES + 10);
    const pending = await ctx.db
      .query("pairingCodes")
      .withIndex("by_instance_status", (q) => q.eq("instanceId", instance._id).eq("status", "pending"))
      .first();
    return { instanceId: instance._id, name: instance.name, pairedDevices: devices.length, pendingPairing: pending !== null };
  },
});

/** App messages waiting for the relay, oldest first; the relay subscribes instead of polling. */
export const pendingMessages = query({
  args: { relaySecret: v.string(), limit: v.optional(v.number()) },
  returns: v.array(
    v.object({
      messageId: v.id("messages"),
      sessionKey: v.string(),
      sessionKeyEnc: v.optional(v.string()),
      text: v.string(),
      clientMessageId: v.string(),
      runId: v.string(),
      createdAt: v.number(),
      /** Present when the message has files (`files.forMessage`). */
      fileCount: v.optional(v.number()),
    }),
  ),
  handler: async (ctx, args) => {
    const instance = await requireInstance(ctx, args.relaySecret);
    const limit = clampLimit("limit", args.limit, L.DEFAULT_PENDING_LIMIT, L.MAX_PENDING_LIMIT);
    const rows = await ctx.db
      .query("messages")
      .withIndex("by_instance_status_created", (q) => q.eq("instanceId", instance._id).eq("status", "queued"))
      .take(limit);
    return rows.map((m) => ({
      messageId: m._id,
      sessionKey: m.sessionKey,
      sessionKeyEnc: m.sessionKeyEnc,
      text: m.text,
      clientMessageId: m.clientMessageId ?? "",
      runId: m.runId ?? m._id,
      createdAt: m.createdAt,
      ...(m.fileCount ? { fileCount: m.fileCount } : {}),
    }));
  },
});

/** Moves an app message out of `queued` once; later calls change nothing and report the current status. */
async function settle(
  ctx: MutationCtx,
  relaySecret: string,
  messageId: Doc<"messages">["_id"],
  fields: Pick<Doc<"messages">, "status"> & Partial<Pick<Doc<"messages">, "runId" | "error">>,
): Promise<{ status: Doc<"messages">["status"] }> {
  const instance = await requireInstance(ctx, relaySecret);
  const message = await ownMessage(ctx, instance._id, messageId);
  if (message.source !== "app") badRequest("only app messages are delivered by the relay");
  if (message.status !== "queued") return { status: message.status };
  await ctx.db.patch(message._id, { ...fields, updatedAt: Date.now() });
  return { status: fields.status };
}

const settled = v.object({ status: messageStatus });

export const markDelivered = mutation({
  args: { relaySecret: v.string(), messageId: v.id("messages"), runId: v.string() },
  returns: settled,
  handler: (ctx, args) =>
    settle(ctx, args.relaySecret, args.messageId, { status: "delivered", runId: requireString("runId", args.runId, L.MAX_ID_CHARS) }),
});

export const markFailed = mutation({
  args: { relaySecret: v.string(), messageId: v.id("messages"), reason: v.string() },
  returns: settled,
  handler: (ctx, args) =>
    settle(ctx, args.relaySecret, args.messageId, { status: "failed", error: requireString("reason", args.reason, L.MAX_SEALED_REASON_CHARS) }),
});

export const markExpired = mutation({
  args: { relaySecret: v.string(), messageId: v.id("messages"), reason: v.string() },
  returns: settled,
  handler: (ctx, args) =>
    settle(ctx, args.relaySecret, args.messageId, { status: "expired", error: requireString("reason", args.reason, L.MAX_SEALED_REASON_CHARS) }),
});

/** Streaming replies the app asked to abort; a reply leaves this list when its stream ends. */
export const abortRequests = query({
  args: { relaySecret: v.string() },
  returns: v.array(v.object({ messageId: v.id("messages"), sessionKey: v.string(), runId: v.string() })),
  handler: async (ctx, args) => {
    const instance = await requireInstance(ctx, args.relaySecret);
    const rows = await ctx.db
      .query("messages")
      .withIndex("by_instance_status_abort", (q) =>
        q.eq("instanceId", instance._id).eq("status", "streaming").eq("abortRequested", true),
      )
      .take(L.MAX_ABORT_REQUESTS);
    return rows.map((m) => ({ messageId: m._id, sessionKey: m.sessionKey, runId: m.runId ?? "" }));
  },
});

/** One assistant row per run: created on the first write, updated while streaming, frozen once terminal. */
export const upsertStream = mutation({
  args: {
    relaySecret: v.string(),
    sessionKey: v.string(),
    runId: v.string(),
    text: v.string(),
    state: streamState,
    error: v.optional(v.string()),
  },
  returns: v.object({ messageId: v.id("messages") }),
  handler: async (ctx, args) => {
    const instance = await requireInstance(ctx, args.relaySecret);
    const sessionKey = requireString("sessionKey", args.sessionKey, L.MAX_SESSION_KEY_CHARS);
    const runId = requireString("runId", args.runId, L.MAX_ID_CHARS);
    const text = requireText("text", args.text, L.MAX_SEALED_TEXT_CHARS, true);
    const error = args.state === "error" ? optionalString("error", args.error, L.MAX_SEALED_REASON_CHARS) : undefined;
    const now = Date.now();
    const row = await ctx.db
      .query("messages")
      .withIndex("by_instance_run_role", (q) => q.eq("instanceId", instance._id).eq("runId", runId).eq("role", "assistant"))
      .first();
    if (row === null) {
      await chargeStorage(ctx, instance._id, 1, textBytes(text));
      const messageId = await ctx.db.insert("messages", {
        instanceId: instance._id,
        sessionKey,
        role: "assistant",
        text,
        source: "gateway",
        status: args.state,
        createdAt: now,
        updatedAt: now,
        runId,
        error,
        order: await orderForNewRow(ctx.db, instance._id, sessionKey, now),
      });
      return { messageId };
    }
    // Terminal (or already mirrored from the transcript) rows never move again, least of all back to streaming.
    if (row.status === "streaming") {
      await chargeStorage(ctx, instance._id, 0, textBytes(text) - textBytes(row.text));
      await ctx.db.patch(row._id, { text, status: args.state, error, updatedAt: now });
    }
    return { messageId: row._id };
  },
});

/**
 * After the relay restarts, replies it was streaming before are rows stuck at `streaming` when their
 * run ended unseen (crash, kill) and never reached the transcript. The relay names what is still
 * alive — its own current runs and the sessions the Gateway says are busy (or can't say) — and every
 * other streaming row of the instance is closed as an error, its text kept. Writes are ordered, so a
 * run that starts after this call cannot be closed by it.
 */
export const closeOrphanedStreams = mutation({
  args: { relaySecret: v.string(), keepRunIds: v.array(v.string()), keepSessionKeys: v.array(v.string()), reason: v.string() },
  returns: v.object({ closed: v.number() }),
  handler: async (ctx, args) => {
    const instance = await requireInstance(ctx, args.relaySecret);
    if (args.keepRunIds.length > L.MAX_KEEP_LIST || args.keepSessionKeys.length > L.MAX_KEEP_LIST) {
      badRequest(`keepRunIds and keepSessionKeys take at most ${L.MAX_KEEP_LIST} entries each`);
    }
    const reason = requireString("reason", args.reason, L.MAX_SEALED_REASON_CHARS);
    const keepRuns = new Set(args.keepRunIds);
    const keepSessions = new Set(args.keepSessionKeys);
    const streaming = await ctx.db
      .query("messages")
      .withIndex("by_instance_status_created", (q) => q.eq("instanceId", instance._id).eq("status", "streaming"))
      .take(L.MAX_ORPHAN_SCAN);
    const now = Date.now();
    let closed = 0;
    for (const row of streaming) {
      // Only the relay's own reply rows stream; an app row never has a run of its own here.
      if (row.role !== "assistant" || row.source !== "gateway") continue;
      if ((row.runId !== undefined && keepRuns.has(row.runId)) || keepSessions.has(row.sessionKey)) continue;
      await ctx.db.patch(row._id, { status: "error", error: reason, updatedAt: now });
      closed += 1;
    }
    return { closed };
  },
});

export const ingestTranscript = mutation({
  args: {
    relaySecret: v.string(),
    sessionKey: v.string(),
    messages: v.array(transcriptMessage),
    /** The session key, sealed: stored on the session row, which the ingest may be the first to create. */
    sessionKeyEnc: v.optional(v.string()),
  },
  returns: v.object({ inserted: v.number(), merged: v.number(), skipped: v.number() }),
  handler: async (ctx, args) => {
    const instance = await requireInstance(ctx, args.relaySecret);
    const sessionKey = requireString("sessionKey", args.sessionKey, L.MAX_SESSION_KEY_CHARS);
    checkTranscript(args.messages);
    const sessionKeyEnc = optionalString("sessionKeyEnc", args.sessionKeyEnc, L.MAX_SEALED_SESSION_KEY_CHARS);
    const counts = await ingest(ctx, instance._id, sessionKey, args.messages);
    const session = await findSession(ctx.db, instance._id, sessionKey);
    if (session === null) {
      const latest = Math.max(0, ...args.messages.map((m) => m.timestamp));
      await chargeStorage(ctx, instance._id, 1, 0);
      await ctx.db.insert("sessions", { instanceId: instance._id, sessionKey, sessionKeyEnc, updatedAt: latest || Date.now() });
    } else if (sessionKeyEnc !== undefined && session.sessionKeyEnc === undefined) {
      await ctx.db.patch(session._id, { sessionKeyEnc });
    }
    return counts;
  },
});

const sessionInput = v.object(sessionFields);

/** The gateway's session list; fields not given are left as they were. */
export const upsertSessions = mutation({
  args: { relaySecret: v.string(), sessions: v.array(sessionInput) },
  returns: v.object({ upserted: v.number() }),
  handler: async (ctx, args) => {
    const instance = await requireInstance(ctx, args.relaySecret);
    if (args.sessions.length > L.MAX_SESSIONS_BATCH) badRequest(`sessions holds at most ${L.MAX_SESSIONS_BATCH} entries per call`);
    const checked = args.sessions.map((s, i) => ({
      sessionKey: requireString(`sessions[${i}].sessionKey`, s.sessionKey, L.MAX_SESSION_KEY_CHARS),
      fields: {
        sessionKeyEnc: optionalString(`sessions[${i}].sessionKeyEnc`, s.sessionKeyEnc, L.MAX_SEALED_SESSION_KEY_CHARS),
        title: optionalString(`sessions[${i}].title`, s.title, L.MAX_SEALED_TITLE_CHARS),
        updatedAt: requireTimestamp(`sessions[${i}].updatedAt`, s.updatedAt),
        lastMessagePreview: optionalString(`sessions[${i}].lastMessagePreview`, s.lastMessagePreview, L.MAX_SEALED_PREVIEW_CHARS),
        status: optionalString(`sessions[${i}].status`, s.status, L.MAX_SESSION_STATUS_CHARS),
        hasActiveRun: s.hasActiveRun,
        model: optionalString(`sessions[${i}].model`, s.model, L.MAX_SEALED_MODEL_CHARS),
      },
    }));
    for (const s of checked) await upsertSession(ctx, instance._id, s.sessionKey, s.fields);
    return { upserted: checked.length };
  },
});

export const heartbeat = mutation({
  args: {
    relaySecret: v.string(),
    relayVersion: v.string(),
    gatewayConnected: v.boolean(),
    gatewayVersion: v.optional(v.string()),
    gatewayError: v.optional(v.string()),
  },
  returns: v.null(),
  handler: async (ctx, args) => {
    const instance = await requireInstance(ctx, args.relaySecret);
    await recordHeartbeat(ctx, instance._id, {
      relayVersion: requireString("relayVersion", args.relayVersion, L.MAX_VERSION_CHARS),
      gatewayConnected: args.gatewayConnected,
      gatewayVersion: optionalString("gatewayVersion", args.gatewayVersion, L.MAX_VERSION_CHARS),
      gatewayError: optionalString("gatewayError", args.gatewayError, L.MAX_SEALED_REASON_CHARS),
    });
    return null;
  },
});

/** A clean shutdown: the app shows "relay offline" at once instead of after 90 s. */
export const goingOffline = mutation({
  args: { relaySecret: v.string() },
  returns: v.null(),
  handler: async (ctx, args) => {
    const instance = await requireInstance(ctx, args.relaySecret);
    await markOffline(ctx, instance._id);
    return null;
  },
});

/** Scheduled by each heartbeat, 90 s later. */
export const checkPresence = internalMutation({
  args: { instanceId: v.id("instances") },
  returns: v.null(),
  handler: async (ctx, args) => {
    await runPresenceCheck(ctx, args.instanceId);
    return null;
  },
});
