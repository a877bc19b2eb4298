/** Session rows: find one by key, or create/patch it so messages always have a session to be listed under. */
import type { Doc, Id } from "../_generated/dataModel.js";
import type { DatabaseReader, MutationCtx } from "../_generated/server.js";
import { chargeStorage } from "./quota.js";

export async function findSession(
  db: DatabaseReader,
  instanceId: Id<"instances">,
  sessionKey: string,
): Promise<Doc<"sessions"> | null> {
  return db
    .query("sessions")
    .withIndex("by_instance_key", (q) => q.eq("instanceId", instanceId).eq("sessionKey", sessionKey))
    .unique();
}

export type SessionFields = Partial<Omit<Doc<"sessions">, "_id" | "_creationTime" | "instanceId" | "sessionKey">>;

/** Inserts the session if missing (with `updatedAt` defaulting to now), else patches the fields that are defined. */
export async function upsertSession(
  ctx: MutationCtx,
  instanceId: Id<"instances">,
  sessionKey: string,
  fields: SessionFields,
): Promise<Id<"sessions">> {
  const existing = await findSession(ctx.db, instanceId, sessionKey);
  if (existing !== null) {
    // Absent fields stay as they were: patching with undefined would erase what an earlier upsert stored.
    const defined: SessionFields = {};
    for (const key of Object.keys(fields) as (keyof SessionFields)[]) {
      if (fields[key] !== undefined) Object.assign(defined, { [key]: fields[key] });
    }
    await ctx.db.patch(existing._id, defined);
    return existing._id;
  }
  await chargeStorage(ctx, instanceId, 1, 0);
  return ctx.db.insert("sessions", { ...fields, instanceId, sessionKey, updatedAt: fields.updatedAt ?? Date.now() });
}
