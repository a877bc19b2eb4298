/**
 * Files attached to messages, both ways: a device uploads sealed files and names them in `app.send`; the relay
 * uploads agent media and attaches it to a transcript row, and reads the files of an app message it delivers.
 * Only the instance's devices and its relay read them; they go with their message or after the retention period.
 */
import { v } from "convex/values";
import { internal } from "./_generated/api.js";
import { internalMutation, mutation, query, type MutationCtx } from "./_generated/server.js";
import { requireDevice, requireInstance } from "./lib/auth.js";
import { badRequest, fail } from "./lib/errors.js";
import { attachFiles, deleteFile, deleteFilesOf, fileInput, filePolicy, fileRow, filesOf, policyOf } from "./lib/files.js";
import * as L from "./lib/limits.js";
import { chargeStorage, textBytes } from "./lib/quota.js";
import { takeToken } from "./lib/ratelimit.js";
import { ownMessage } from "./lib/rows.js";

async function uploadUrl(ctx: MutationCtx, bucket: string): Promise<string> {
  const retryAfterMs = await takeToken(ctx, bucket, L.UPLOAD_URL_RATE, Date.now());
  if (retryAfterMs !== null) fail("RATE_LIMITED", `too many uploads; wait ${Math.ceil(retryAfterMs / 1000)} s`, retryAfterMs);
  return await ctx.storage.generateUploadUrl();
}

/** The limits a device's files must keep (plaintext bytes) and how long they are kept. */
export const policy = query({
  args: { deviceToken: v.string() },
  returns: filePolicy,
  handler: async (ctx, args) => {
    const { instance } = await requireDevice(ctx, args.deviceToken);
    return await policyOf(ctx.db, instance._id);
  },
});

/** A one-time URL to POST one sealed file to; the answer's `storageId` goes into `app.send`'s `attachments`. */
export const generateUploadUrl = mutation({
  args: { deviceToken: v.string() },
  returns: v.string(),
  handler: async (ctx, args) => {
    const { device } = await requireDevice(ctx, args.deviceToken);
    return await uploadUrl(ctx, `upload:${device._id}`);
  },
});

/** The files of some messages of the device's instance (a page of `app.listMessages`); others' ids give nothing. */
export const list = query({
  args: { deviceToken: v.string(), messageIds: v.array(v.id("messages")) },
  returns: v.array(v.object({ messageId: v.id("messages"), files: v.array(fileRow) })),
  handler: async (ctx, args) => {
    const { instance } = await requireDevice(ctx, args.deviceToken);
    if (args.messageIds.length > L.MAX_PAGE_SIZE) badRequest(`messageIds holds at most ${L.MAX_PAGE_SIZE} ids`);
    const out = [];
    for (const messageId of new Set(args.messageIds)) {
      const message = await ctx.db.get(messageId);
      // Another instance's message looks exactly like one without files.
      if (message === null || message.instanceId !== instance._id) continue;
      const files = await filesOf(ctx, messageId);
      if (files.length > 0) out.push({ messageId, files });
    }
    return out;
  },
});

/**
 * The relay publishes the Gateway's `policy.attachments` (plaintext bytes) and the owner's retention period.
 * Values are clamped to what this deployment allows; the answer is what applies.
 */
export const setPolicy = mutation({
  args: { relaySecret: v.string(), maxBytes: v.number(), maxImageBytes: v.number(), retentionMs: v.optional(v.number()) },
  returns: filePolicy,
  handler: async (ctx, args) => {
    const instance = await requireInstance(ctx, args.relaySecret);
    for (const [field, value] of [["maxBytes", args.maxBytes], ["maxImageBytes", args.maxImageBytes], ["retentionMs", args.retentionMs ?? 1]] as const) {
      if (!Number.isSafeInteger(value) || value < 1) badRequest(`${field} must be a positive integer`);
    }
    const maxBytes = Math.min(args.maxBytes, L.MAX_FILE_BYTES);
    const applied = {
      maxBytes,
      maxImageBytes: Math.min(args.maxImageBytes, maxBytes),
      retentionMs: Math.min(Math.max(args.retentionMs ?? L.DEFAULT_FILE_RETENTION_MS, L.MIN_FILE_RETENTION_MS), L.MAX_FILE_RETENTION_MS),
    };
    const row = await ctx.db
      .query("filePolicies")
      .withIndex("by_instance", (q) => q.eq("instanceId", instance._id))
      .unique();
    const same = row !== null && row.maxBytes === applied.maxBytes && row.maxImageBytes === applied.maxImageBytes && row.retentionMs === applied.retentionMs;
    // Unchanged at every reconnect: no write, so the devices' policy subscriptions stay quiet.
    if (!same) {
      if (row === null) await ctx.db.insert("filePolicies", { instanceId: instance._id, ...applied, updatedAt: Date.now() });
      else await ctx.db.patch(row._id, { ...applied, updatedAt: Date.now() });
    }
    return applied;
  },
});

/** A one-time upload URL for agent media the relay stores, sealed, for `attach`. */
export const relayUploadUrl = mutation({
  args: { relaySecret: v.string() },
  returns: v.string(),
  handler: async (ctx, args) => {
    const instance = await requireInstance(ctx, args.relaySecret);
    return await uploadUrl(ctx, `upload:relay:${instance._id}`);
  },
});

/** Attaches agent media to a reply or transcript row of the instance (up to MAX_FILE_BYTES each); retries attach nothing twice. */
export const attach = mutation({
  args: { relaySecret: v.string(), messageId: v.id("messages"), files: v.array(fileInput) },
  returns: v.null(),
  handler: async (ctx, args) => {
    const instance = await requireInstance(ctx, args.relaySecret);
    const message = await ownMessage(ctx, instance._id, args.messageId);
    if (message.source !== "gateway") badRequest("the relay attaches files to Gateway rows only; app files come with app.send");
    const { retentionMs } = await policyOf(ctx.db, instance._id);
    await attachFiles(ctx, args.files, { message, source: "gateway", maxBytes: L.MAX_FILE_BYTES, maxImageBytes: L.MAX_FILE_BYTES, retentionMs });
    return null;
  },
});

/** The files of one message of the instance (an app message the relay is about to deliver). */
export const forMessage = query({
  args: { relaySecret: v.string(), messageId: v.id("messages") },
  returns: v.array(fileRow),
  handler: async (ctx, args) => {
    const instance = await requireInstance(ctx, args.relaySecret);
    await ownMessage(ctx, instance._id, args.messageId);
    return await filesOf(ctx, args.messageId);
  },
});

/**
 * The attachment ids one message of the instance already has: what the relay's agent-media mirror checks
 * before storing a file again. No storage URLs, so no storage reads.
 */
export const attachmentIds = query({
  args: { relaySecret: v.string(), messageId: v.id("messages") },
  returns: v.array(v.string()),
  handler: async (ctx, args) => {
    const instance = await requireInstance(ctx, args.relaySecret);
    await ownMessage(ctx, instance._id, args.messageId);
    const rows = await ctx.db
      .query("files")
      .withIndex("by_message", (q) => q.eq("messageId", args.messageId))
      .take(L.MAX_FILES_PER_MESSAGE);
    return rows.map((f) => f.attachmentId);
  },
});

/** The Gateway row of a transcript message the relay mirrored (null until its ingest has landed): where `attach` puts its media. */
export const gatewayMessage = query({
  args: { relaySecret: v.string(), gatewayMessageId: v.string() },
  returns: v.union(v.id("messages"), v.null()),
  handler: async (ctx, args) => {
    const instance = await requireInstance(ctx, args.relaySecret);
    const rows = await ctx.db
      .query("messages")
      .withIndex("by_instance_gateway", (q) => q.eq("instanceId", instance._id).eq("gatewayMessageId", args.gatewayMessageId))
      // One id names at most its Gateway row and an app row the Gateway moved into another session.
      .collect();
    return rows.find((row) => row.source === "gateway")?._id ?? null;
  },
});

/** Deletes a message row together with its files (and gives both back to the quotas). */
export const deleteMessage = internalMutation({
  args: { messageId: v.id("messages") },
  returns: v.object({ deleted: v.boolean(), files: v.number() }),
  handler: async (ctx, args) => {
    const message = await ctx.db.get(args.messageId);
    if (message === null) return { deleted: false, files: 0 };
    const files = await deleteFilesOf(ctx, message._id);
    await ctx.db.delete(message._id);
    await chargeStorage(ctx, message.instanceId, -1, -textBytes(message.text));
    return { deleted: true, files };
  },
});

/**
 * Retention: deletes files whose period is over (their message stays, without them) and uploads never attached
 * within UPLOAD_ATTACH_WINDOW_MS. At most FILE_SWEEP_BATCH of each per run; a full batch runs again at once.
 */
export const sweep = internalMutation({
  args: {},
  returns: v.object({ expired: v.number(), orphans: v.number() }),
  handler: async (ctx) => {
    const now = Date.now();
    const expired = await ctx.db
      .query("files")
      .withIndex("by_expires", (q) => q.lte("expiresAt", now))
      .take(L.FILE_SWEEP_BATCH);
    for (const file of expired) await deleteFile(ctx, file);

    const mark = await ctx.db.query("fileSweep").first();
    const from = mark?.checkedUntil ?? 0;
    const until = now - L.UPLOAD_ATTACH_WINDOW_MS;
    const uploads = await ctx.db.system
      .query("_storage")
      .withIndex("by_creation_time", (q) => q.gt("_creationTime", from).lte("_creationTime", until))
      .take(L.FILE_SWEEP_BATCH);
    let orphans = 0;
    for (const upload of uploads) {
      const attached = await ctx.db
        .query("files")
        .withIndex("by_storage", (q) => q.eq("storageId", upload._id))
        .first();
      if (attached !== null) continue;
      await ctx.storage.delete(upload._id);
      orphans += 1;
    }
    const last = uploads.at(-1)?._creationTime;
    if (last !== undefined) {
      if (mark === null) await ctx.db.insert("fileSweep", { checkedUntil: last });
      else await ctx.db.patch(mark._id, { checkedUntil: last });
    }
    if (expired.length === L.FILE_SWEEP_BATCH || uploads.length === L.FILE_SWEEP_BATCH) {
      await ctx.scheduler.runAfter(0, internal.files.sweep, {});
    }
    return { expired: expired.length, orphans };
  },
});
