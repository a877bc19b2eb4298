/** Attaching stored files to messages (checks, quota, retention), reading them back as URLs, and deleting them. */
import { v, type Infer } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel.js";
import type { DatabaseReader, MutationCtx, QueryCtx } from "../_generated/server.js";
import { badRequest, fail } from "./errors.js";
import { isAllowedFileType, isImageType } from "./file-types.js";
import * as L from "./limits.js";
import { fileQuotaBytes } from "./settings.js";
import { requireSealed } from "./validate.js";

/** A file as its writer names it when attaching: the upload's id and what Convex may know about it. */
export const fileInput = v.object({
  attachmentId: v.string(),
  storageId: v.id("_storage"),
  type: v.string(),
  nameEnc: v.optional(v.string()),
});
export type FileInput = Infer<typeof fileInput>;

/** A file as readers get it: `url` is a bearer URL of the ciphertext (null once the bytes are gone). */
export const fileRow = v.object({
  attachmentId: v.string(),
  type: v.string(),
  nameEnc: v.optional(v.string()),
  size: v.number(),
  source: v.union(v.literal("app"), v.literal("gateway")),
  createdAt: v.number(),
  expiresAt: v.number(),
  url: v.union(v.string(), v.null()),
});
export type FileRow = Infer<typeof fileRow>;

export const filePolicy = v.object({ maxBytes: v.number(), maxImageBytes: v.number(), retentionMs: v.number() });
export type FilePolicy = Infer<typeof filePolicy>;

const ATTACHMENT_ID = /^[A-Za-z0-9_-]{16,64}$/;
const MIB = 1024 * 1024;

/** The instance's limits: what its relay published, else the defaults. */
export async function policyOf(db: DatabaseReader, instanceId: Id<"instances">): Promise<FilePolicy> {
  const row = await db
    .query("filePolicies")
    .withIndex("by_instance", (q) => q.eq("instanceId", instanceId))
    .unique();
  if (row === null) return { maxBytes: L.DEFAULT_FILE_MAX_BYTES, maxImageBytes: L.DEFAULT_IMAGE_MAX_BYTES, retentionMs: L.DEFAULT_FILE_RETENTION_MS };
  return { maxBytes: row.maxBytes, maxImageBytes: row.maxImageBytes, retentionMs: row.retentionMs };
}

function describeBytes(bytes: number): string {
  return bytes >= MIB ? `${(bytes / MIB).toFixed(1).replace(/\.0$/, "")} MiB` : `${bytes} bytes`;
}

/** Adds (or, negative, gives back) stored file bytes, or fails with QUOTA_EXCEEDED. */
async function chargeFileBytes(ctx: MutationCtx, instanceId: Id<"instances">, bytes: number): Promise<void> {
  const usage = await ctx.db
    .query("usage")
    .withIndex("by_instance", (q) => q.eq("instanceId", instanceId))
    .unique();
  const fileBytes = Math.max(0, (usage?.fileBytes ?? 0) + bytes);
  const quota = fileQuotaBytes();
  if (bytes > 0 && fileBytes > quota) fail("QUOTA_EXCEEDED", `this relay stores at most ${describeBytes(quota)} of files on this deployment`);
  if (usage === null) await ctx.db.insert("usage", { instanceId, rows: 0, bytes: 0, fileBytes });
  else await ctx.db.patch(usage._id, { fileBytes });
}

export interface AttachOptions {
  message: Pick<Doc<"messages">, "_id" | "instanceId">;
  source: Doc<"files">["source"];
  /** Plaintext limits; the stored ciphertext may be FILE_ENVELOPE_OVERHEAD bytes longer. */
  maxBytes: number;
  maxImageBytes: number;
  retentionMs: number;
}

/**
 * Links uploaded files to a message after checking each: its attachment id, declared type (UNSUPPORTED_TYPE),
 * that the upload exists, is recent and unclaimed, and its size against the limit for its type (TOO_LARGE).
 * An attachment id the message already has is skipped, so a retried call attaches nothing twice.
 */
export async function attachFiles(ctx: MutationCtx, inputs: readonly FileInput[], options: AttachOptions): Promise<void> {
  const { message } = options;
  const existing = await ctx.db
    .query("files")
    .withIndex("by_message", (q) => q.eq("messageId", message._id))
    .collect();
  const known = new Set(existing.map((f) => f.attachmentId));
  const fresh = inputs.filter((input) => !known.has(input.attachmentId));
  if (existing.length + fresh.length > L.MAX_FILES_PER_MESSAGE) badRequest(`a message has at most ${L.MAX_FILES_PER_MESSAGE} files`);
  const now = Date.now();
  let bytes = 0;
  for (const input of fresh) {
    if (!ATTACHMENT_ID.test(input.attachmentId)) badRequest("attachmentId must be 16..64 characters of [A-Za-z0-9_-]");
    if (known.has(input.attachmentId)) badRequest(`attachmentId ${input.attachmentId} is given twice`);
    known.add(input.attachmentId);
    if (input.type.length > L.MAX_FILE_TYPE_CHARS || !isAllowedFileType(input.type)) {
      fail("UNSUPPORTED_TYPE", `files of type ${JSON.stringify(input.type.slice(0, L.MAX_FILE_TYPE_CHARS))} cannot be sent`);
    }
    const nameEnc = input.nameEnc === undefined ? undefined : requireSealed("nameEnc", input.nameEnc, L.sealedCharsLimit(L.MAX_FILE_NAME_CHARS));
    const stored = await ctx.db.system.get(input.storageId);
    if (stored === null) fail("NOT_FOUND", "no such upload (it was never made, or was deleted)");
    if (now - stored._creationTime > L.UPLOAD_ATTACH_WINDOW_MS) badRequest("the upload is too old to attach; upload the file again");
    const claimed = await ctx.db
      .query("files")
      .withIndex("by_storage", (q) => q.eq("storageId", input.storageId))
      .first();
    if (claimed !== null) badRequest("this upload is already attached");
    if (stored.size < L.FILE_ENVELOPE_OVERHEAD) badRequest("the upload is not a sealed file (an fcf1 envelope); update the app");
    const limit = isImageType(input.type) ? options.maxImageBytes : options.maxBytes;
    if (stored.size > L.sealedFileBytes(limit)) {
      fail("TOO_LARGE", `the file is ${describeBytes(stored.size - L.FILE_ENVELOPE_OVERHEAD)}; at most ${describeBytes(limit)} can be sent`);
    }
    bytes += stored.size;
    await ctx.db.insert("files", {
      instanceId: message.instanceId,
      messageId: message._id,
      storageId: input.storageId,
      attachmentId: input.attachmentId,
      type: input.type,
      ...(nameEnc !== undefined ? { nameEnc } : {}),
      size: stored.size,
      source: options.source,
      createdAt: now,
      expiresAt: now + options.retentionMs,
    });
  }
  await chargeFileBytes(ctx, message.instanceId, bytes);
}

/** The files of one message, each with a URL of its bytes. */
export async function filesOf(ctx: Pick<QueryCtx, "db" | "storage">, messageId: Id<"messages">): Promise<FileRow[]> {
  const rows = await ctx.db
    .query("files")
    .withIndex("by_message", (q) => q.eq("messageId", messageId))
    .take(L.MAX_FILES_PER_MESSAGE);
  return await Promise.all(
    rows.map(async (f) => ({
      attachmentId: f.attachmentId,
      type: f.type,
      ...(f.nameEnc !== undefined ? { nameEnc: f.nameEnc } : {}),
      size: f.size,
      source: f.source,
      createdAt: f.createdAt,
      expiresAt: f.expiresAt,
      url: await ctx.storage.getUrl(f.storageId),
    })),
  );
}

/** Deletes one file row and its bytes, and gives its bytes back to the quota. */
export async function deleteFile(ctx: MutationCtx, file: Doc<"files">): Promise<void> {
  await ctx.db.delete(file._id);
  if ((await ctx.db.system.get(file.storageId)) !== null) await ctx.storage.delete(file.storageId);
  await chargeFileBytes(ctx, file.instanceId, -file.size);
}

/** Deletes every file of a message: whatever deletes a message row calls this in the same transaction. */
export async function deleteFilesOf(ctx: MutationCtx, messageId: Id<"messages">): Promise<number> {
  const rows = await ctx.db
    .query("files")
    .withIndex("by_message", (q) => q.eq("messageId", messageId))
    .collect();
  for (const file of rows) await deleteFile(ctx, file);
  return rows.length;
}
