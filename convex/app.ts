/** The phone app's side of the API: every function takes `deviceToken` and sees only its instance. */
import { paginationOptsValidator, paginationResultValidator, type PaginationOptions } from "convex/server";
import { v } from "convex/values";
import { mutation, query } from "./_generated/server.js";
import { requireDevice } from "./lib/auth.js";
import { badRequest, fail } from "./lib/errors.js";
import { attachFiles, fileInput, policyOf } from "./lib/files.js";
import * as L from "./lib/limits.js";
import { orderForNewRow } from "./lib/order.js";
import { findPresence } from "./lib/presence.js";
import { chargeStorage, textBytes } from "./lib/quota.js";
import { takeToken } from "./lib/ratelimit.js";
import { appRunId } from "./lib/run-id.js";
import { messageRow, ownMessage, sessionRow, toMessageRow, toSessionRow } from "./lib/rows.js";
import { upsertSession } from "./lib/sessions.js";
import { deviceSendRate } from "./lib/settings.js";
import { requireSealed, requireSessionId, requireString } from "./lib/validate.js";

/**
 * Caps a page at MAX_PAGE_SIZE whatever the client asks. With an `endCursor` (a page being refetched or
 * split) the size comes from the range, so a row budget bounds it and asks the client to split instead.
 */
function cappedPage(opts: PaginationOptions): PaginationOptions {
  if (!Number.isFinite(opts.numItems) || opts.numItems < 1) badRequest("paginationOpts.numItems must be at least 1");
  const capped: PaginationOptions = { cursor: opts.cursor, numItems: Math.min(Math.floor(opts.numItems), L.MAX_PAGE_SIZE) };
  if (typeof opts.endCursor === "string") {
    capped.endCursor = opts.endCursor;
    capped.maximumRowsRead = Math.min(opts.maximumRowsRead ?? L.MAX_PAGE_SIZE, L.MAX_PAGE_SIZE);
  }
  return capped;
}

/** "Relay down" is `relay.online === false`; "gateway down" is relay online and `gateway.connected === false`. */
export const status = query({
  args: { deviceToken: v.string() },
  returns: v.object({
    instanceName: v.string(),
    relay: v.object({ online: v.boolean(), lastSeenAt: v.optional(v.number()), version: v.optional(v.string()) }),
    gateway: v.object({ connected: v.boolean(), version: v.optional(v.string()), error: v.optional(v.string()) }),
    device: v.object({ name: v.string(), platform: v.string() }),
  }),
  handler: async (ctx, args) => {
    const { device, instance } = await requireDevice(ctx, args.deviceToken);
    const presence = await findPresence(ctx.db, instance._id);
    const online = presence?.online ?? false;
    return {
      instanceName: instance.name,
      relay: { online, lastSeenAt: presence?.lastSeenAt, version: presence?.relayVersion },
      // With the relay down nobody is watching the gateway, so it is not reported as connected.
      gateway: {
        connected: online && (presence?.gatewayConnected ?? false),
        version: presence?.gatewayVersion,
        error: presence?.gatewayError,
      },
      device: { name: device.name, platform: device.platform },
    };
  },
});

/** Sessions, most recently updated first. */
export const listSessions = query({
  args: { deviceToken: v.string(), paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(sessionRow),
  handler: async (ctx, args) => {
    const { instance } = await requireDevice(ctx, args.deviceToken);
    const result = await ctx.db
      .query("sessions")
      .withIndex("by_instance_updated", (q) => q.eq("instanceId", instance._id))
      .order("desc")
      .paginate(cappedPage(args.paginationOpts));
    return { ...result, page: result.page.map(toSessionRow) };
  },
});

/** A session's messages, newest first in the transcript's order (`order`; rows not mirrored yet come last). */
export const listMessages = query({
  args: { deviceToken: v.string(), sessionKey: v.string(), paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(messageRow),
  handler: async (ctx, args) => {
    const { instance } = await requireDevice(ctx, args.deviceToken);
    const sessionKey = requireString("sessionKey", args.sessionKey, L.MAX_SESSION_KEY_CHARS);
    const result = await ctx.db
      .query("messages")
      .withIndex("by_instance_session_order", (q) => q.eq("instanceId", instance._id).eq("sessionKey", sessionKey))
      .order("desc")
      .paginate(cappedPage(args.paginationOpts));
    return { ...result, page: result.page.map(toMessageRow) };
  },
});

/** The reply being streamed in a session right now, or null. */
export const streaming = query({
  args: { deviceToken: v.string(), sessionKey: v.string() },
  returns: v.union(messageRow, v.null()),
  handler: async (ctx, args) => {
    const { instance } = await requireDevice(ctx, args.deviceToken);
    const sessionKey = requireString("sessionKey", args.sessionKey, L.MAX_SESSION_KEY_CHARS);
    const row = await ctx.db
      .query("messages")
      .withIndex("by_instance_session_status", (q) =>
        q.eq("instanceId", instance._id).eq("sessionKey", sessionKey).eq("status", "streaming"),
      )
      .order("desc")
      .first();
    return row === null ? null : toMessageRow(row);
  },
});

/**
 * Queues a message for the relay; a retry with the same clientMessageId returns the first row. Each device
 * sends at most DEVICE_SEND_RATE (RATE_LIMITED with `retryAfterMs` beyond it; a retry costs nothing).
 */
export const send = mutation({
  // sessionKeyEnc is required (BAD_REQUEST without it); optional to the validator so that an outdated client
  // gets that clear error instead of a bare validation failure.
  // attachments: files uploaded with files.generateUploadUrl, sealed by the app (docs/convex-api.md "Files").
  args: {
    deviceToken: v.string(),
    sessionKey: v.string(),
    sessionKeyEnc: v.optional(v.string()),
    clientMessageId: v.string(),
    text: v.string(),
    attachments: v.optional(v.array(fileInput)),
  },
  returns: v.object({ messageId: v.id("messages") }),
  handler: async (ctx, args) => {
    const { device, instance } = await requireDevice(ctx, args.deviceToken);
    const sessionKey = requireSessionId("sessionKey", args.sessionKey);
    const sessionKeyEnc = requireSealed("sessionKeyEnc", args.sessionKeyEnc ?? "", L.MAX_SEALED_SESSION_KEY_CHARS);
    const clientMessageId = requireString("clientMessageId", args.clientMessageId, L.MAX_ID_CHARS);
    const text = requireSealed("text", args.text, L.MAX_SEALED_TEXT_CHARS);
    const existing = await ctx.db
      .query("messages")
      .withIndex("by_instance_client", (q) => q.eq("instanceId", instance._id).eq("clientMessageId", clientMessageId))
      .first();
    if (existing !== null) return { messageId: existing._id };
    const now = Date.now();
    const retryAfterMs = await takeToken(ctx, `send:${device._id}`, deviceSendRate(), now);
    if (retryAfterMs !== null) {
      fail("RATE_LIMITED", `this device is sending too fast; wait ${Math.ceil(retryAfterMs / 1000)} s`, retryAfterMs);
    }
    await chargeStorage(ctx, instance._id, 1, textBytes(text));
    const messageId = await ctx.db.insert("messages", {
      instanceId: instance._id,
      sessionKey,
      role: "user",
      text,
      source: "app",
      status: "queued",
      createdAt: now,
      updatedAt: now,
      clientMessageId,
      deviceId: device._id,
      sessionKeyEnc,
      order: await orderForNewRow(ctx.db, instance._id, sessionKey, now),
    });
    // The relay sends the run id as chat.send's idempotency key, so a resend after a relay restart is
    // deduplicated by the gateway and the transcript echo ("<runId>:user") finds this row.
    await ctx.db.patch(messageId, { runId: appRunId(messageId, now) });
    // In the same transaction as the row: the relay never sees the message without its files.
    if (args.attachments !== undefined && args.attachments.length > 0) {
      const message = { _id: messageId, instanceId: instance._id };
      await attachFiles(ctx, args.attachments, { message, source: "app", ...(await policyOf(ctx.db, instance._id)) });
      await ctx.db.patch(messageId, { fileCount: args.attachments.length });
    }
    // A new chat shows up in the session list at once, before the relay reports the gateway's view. The
    // preview is the relay's to write: a slice of a ciphertext would not open.
    await upsertSession(ctx, instance._id, sessionKey, { updatedAt: now, sessionKeyEnc });
    return { messageId };
  },
});

/** Flags a streaming reply for the relay to abort; `requested` is false when it already ended. */
export const requestAbort = mutation({
  args: { deviceToken: v.string(), messageId: v.id("messages") },
  returns: v.object({ requested: v.boolean() }),
  handler: async (ctx, args) => {
    const { instance } = await requireDevice(ctx, args.deviceToken);
    const message = await ownMessage(ctx, instance._id, args.messageId);
    if (message.status !== "streaming") return { requested: false };
    if (message.abortRequested !== true) await ctx.db.patch(message._id, { abortRequested: true, updatedAt: Date.now() });
    return { requested: true };
  },
});

/** Revokes the calling device; its token stops working at once. */
export const unpair = mutation({
  args: { deviceToken: v.string() },
  returns: v.null(),
  handler: async (ctx, args) => {
    const { device } = await requireDevice(ctx, args.deviceToken);
    await ctx.db.patch(device._id, { status: "revoked", revokedAt: Date.now() });
    return null;
  },
});
