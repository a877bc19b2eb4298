/** Per-instance storage quotas: rows (messages + sessions) and bytes of message text, counted as they are written. */
import type { Id } from "../_generated/dataModel.js";
import type { MutationCtx } from "../_generated/server.js";
import { fail } from "./errors.js";
import { storageQuota } from "./settings.js";

const encoder = new TextEncoder();

export function textBytes(text: string): number {
  return encoder.encode(text).length;
}

/**
 * Adds `rows` and `bytes` to the instance's usage, or fails with QUOTA_EXCEEDED (rolling the caller's writes
 * back) when growth would pass a quota. Shrinking always goes through. Kept apart from `instances` so that
 * counting doesn't re-run every subscription that checks a credential.
 */
export async function chargeStorage(ctx: MutationCtx, instanceId: Id<"instances">, rows: number, bytes: number): Promise<void> {
  if (rows === 0 && bytes === 0) return;
  const usage = await ctx.db
    .query("usage")
    .withIndex("by_instance", (q) => q.eq("instanceId", instanceId))
    .unique();
  const next = { rows: Math.max(0, (usage?.rows ?? 0) + rows), bytes: Math.max(0, (usage?.bytes ?? 0) + bytes) };
  const quota = storageQuota();
  if (rows > 0 && next.rows > quota.rows) {
    fail("QUOTA_EXCEEDED", `this relay stores at most ${quota.rows} messages and sessions on this deployment`);
  }
  if (bytes > 0 && next.bytes > quota.bytes) {
    fail("QUOTA_EXCEEDED", `this relay stores at most ${quota.bytes} bytes of message text on this deployment`);
  }
  if (usage === null) await ctx.db.insert("usage", { instanceId, ...next });
  else await ctx.db.patch(usage._id, next);
}
