/** What callers see of a row: explicit copies, so instance ids, device ids and hashes never leave Convex. */
import { v, type Infer } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel.js";
import type { DatabaseReader } from "../_generated/server.js";
import { fail } from "./errors.js";
import { sessionFields, visibleMessageFields } from "./fields.js";

export const messageRow = v.object({ messageId: v.id("messages"), ...visibleMessageFields });
export type MessageRow = Infer<typeof messageRow>;

export function toMessageRow(m: Doc<"messages">): MessageRow {
  return {
    messageId: m._id,
    sessionKey: m.sessionKey,
    role: m.role,
    text: m.text,
    source: m.source,
    status: m.status,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
    error: m.error,
    clientMessageId: m.clientMessageId,
    gatewayMessageId: m.gatewayMessageId,
    runId: m.runId,
    abortRequested: m.abortRequested,
    gatewayTruncated: m.gatewayTruncated,
    order: m.order,
  };
}

export const sessionRow = v.object(sessionFields);
export type SessionRow = Infer<typeof sessionRow>;

export function toSessionRow(s: Doc<"sessions">): SessionRow {
  return {
    sessionKey: s.sessionKey,
    sessionKeyEnc: s.sessionKeyEnc,
    title: s.title,
    updatedAt: s.updatedAt,
    lastMessagePreview: s.lastMessagePreview,
    status: s.status,
    hasActiveRun: s.hasActiveRun,
    model: s.model,
  };
}

/** A message of this instance, or NOT_FOUND: an id from another instance looks exactly like a missing one. */
export async function ownMessage(
  ctx: { db: DatabaseReader },
  instanceId: Id<"instances">,
  messageId: Id<"messages">,
): Promise<Doc<"messages">> {
  const message = await ctx.db.get(messageId);
  if (message === null || message.instanceId !== instanceId) fail("NOT_FOUND", "no such message");
  return message;
}
