/** Relay presence: heartbeats keep it online, a scheduled check or `goingOffline` turns it offline. */
import { internal } from "../_generated/api.js";
import type { Doc, Id } from "../_generated/dataModel.js";
import type { DatabaseReader, MutationCtx } from "../_generated/server.js";
import { OFFLINE_AFTER_MS } from "./limits.js";

export type Heartbeat = {
  relayVersion: string;
  gatewayConnected: boolean;
  gatewayVersion?: string;
  gatewayError?: string;
};

export async function findPresence(db: DatabaseReader, instanceId: Id<"instances">): Promise<Doc<"presence"> | null> {
  return db
    .query("presence")
    .withIndex("by_instance", (q) => q.eq("instanceId", instanceId))
    .unique();
}

/** Cancels the previous offline check if it hasn't run, so each instance keeps one pending check. */
async function cancelCheck(ctx: MutationCtx, presence: Doc<"presence"> | null): Promise<void> {
  if (presence?.offlineCheckId === undefined) return;
  const job = await ctx.db.system.get(presence.offlineCheckId);
  if (job !== null && job.state.kind === "pending") await ctx.scheduler.cancel(job._id);
}

export async function recordHeartbeat(ctx: MutationCtx, instanceId: Id<"instances">, beat: Heartbeat): Promise<void> {
  const now = Date.now();
  const presence = await findPresence(ctx.db, instanceId);
  await cancelCheck(ctx, presence);
  const offlineCheckId = await ctx.scheduler.runAfter(OFFLINE_AFTER_MS, internal.relay.checkPresence, { instanceId });
  const fields = {
    online: true,
    lastSeenAt: now,
    relayVersion: beat.relayVersion,
    gatewayConnected: beat.gatewayConnected,
    gatewayVersion: beat.gatewayVersion,
    // A connected gateway has no current error, whatever the relay last saw.
    gatewayError: beat.gatewayConnected ? undefined : beat.gatewayError,
    offlineCheckId,
  };
  if (presence === null) await ctx.db.insert("presence", { instanceId, ...fields });
  else await ctx.db.patch(presence._id, fields);
}

export async function markOffline(ctx: MutationCtx, instanceId: Id<"instances">): Promise<void> {
  const presence = await findPresence(ctx.db, instanceId);
  if (presence === null) return;
  await cancelCheck(ctx, presence);
  await ctx.db.patch(presence._id, { online: false, offlineCheckId: undefined });
}

/** The scheduled check: offline only if no heartbeat came since (a later one scheduled its own check). */
export async function checkPresence(ctx: MutationCtx, instanceId: Id<"instances">): Promise<void> {
  const presence = await findPresence(ctx.db, instanceId);
  if (presence === null || !presence.online) return;
  if (Date.now() - presence.lastSeenAt >= OFFLINE_AFTER_MS) {
    await ctx.db.patch(presence._id, { online: false, offlineCheckId: undefined });
  }
}
