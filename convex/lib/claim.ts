/** The transaction behind `pairing.claim`: returns failures instead of throwing, so they can be counted. */
import { v, type Infer } from "convex/values";
import type { Id } from "../_generated/dataModel.js";
import type { MutationCtx } from "../_generated/server.js";
import { MAX_ACTIVE_DEVICES } from "./limits.js";
import { claimRetryAfter, recordClaimFailure } from "./ratelimit.js";

export const claimAttemptResult = v.union(
  v.object({ ok: v.literal(true), instanceName: v.string() }),
  v.object({
    ok: v.literal(false),
    code: v.union(
      v.literal("BAD_REQUEST"),
      v.literal("PAIRING_INVALID"),
      v.literal("PAIRING_EXPIRED"),
      v.literal("PAIRING_ALREADY_CLAIMED"),
      v.literal("RATE_LIMITED"),
    ),
    message: v.string(),
    retryAfterMs: v.optional(v.number()),
  }),
);
export type ClaimAttemptResult = Infer<typeof claimAttemptResult>;

export type ClaimAttemptArgs = {
  pairingTokenHash: string;
  deviceTokenHash: string;
  deviceName: string;
  platform: string;
  rateKey: string;
};

type Failure = Extract<ClaimAttemptResult, { ok: false }>;

/**
 * Only failed lookups are throttled: a token that matches a pending code (or repeats this device's own
 * successful claim) is answered before the caller's failure count is looked at, so strangers sharing the
 * caller's bucket (or the one shared bucket of callers without an address) can't lock the owner out.
 */
export async function attemptClaim(ctx: MutationCtx, args: ClaimAttemptArgs): Promise<ClaimAttemptResult> {
  const now = Date.now();
  const failed = async (code: Failure["code"], message: string): Promise<Failure> => {
    const retryAfterMs = await claimRetryAfter(ctx.db, args.rateKey, now);
    if (retryAfterMs !== null) {
      return { ok: false, code: "RATE_LIMITED", message: "too many failed pairing attempts", retryAfterMs };
    }
    await recordClaimFailure(ctx, args.rateKey, now);
    return { ok: false, code, message };
  };

  const code = await ctx.db
    .query("pairingCodes")
    .withIndex("by_token_hash", (q) => q.eq("tokenHash", args.pairingTokenHash))
    .unique();
  if (code === null) return failed("PAIRING_INVALID", "unknown pairing code");

  if (code.status === "claimed") {
    // A retry of our own successful claim (same device token) gets the same answer.
    const device = code.deviceId === undefined ? null : await ctx.db.get(code.deviceId);
    const instance = await ctx.db.get(code.instanceId);
    if (device !== null && instance !== null && device.status === "active" && device.tokenHash === args.deviceTokenHash) {
      return { ok: true, instanceName: instance.name };
    }
    return failed("PAIRING_ALREADY_CLAIMED", "this pairing code has already been used");
  }
  if (code.status !== "pending" || now >= code.expiresAt) {
    // Replaced, revoked and cancelled codes are as dead as expired ones: the user needs a fresh QR code.
    if (code.status === "pending") await ctx.db.patch(code._id, { status: "expired" });
    return failed("PAIRING_EXPIRED", "this pairing code has expired; show a new one");
  }

  const instance = await ctx.db.get(code.instanceId);
  if (instance === null) return failed("PAIRING_INVALID", "unknown pairing code");

  // A token must be fresh: its hash is how the device is found, so it can't belong to two rows.
  const reused = await ctx.db
    .query("devices")
    .withIndex("by_token_hash", (q) => q.eq("tokenHash", args.deviceTokenHash))
    .first();
  if (reused !== null) return { ok: false, code: "BAD_REQUEST", message: "deviceToken was used before; make a new one" };

  const active = await ctx.db
    .query("devices")
    .withIndex("by_instance_status", (q) => q.eq("instanceId", instance._id).eq("status", "active"))
    .take(MAX_ACTIVE_DEVICES);
  if (active.length >= MAX_ACTIVE_DEVICES) {
    return { ok: false, code: "BAD_REQUEST", message: `at most ${MAX_ACTIVE_DEVICES} devices can be paired; unpair one first` };
  }

  const deviceId: Id<"devices"> = await ctx.db.insert("devices", {
    instanceId: instance._id,
    name: args.deviceName,
    platform: args.platform,
    tokenHash: args.deviceTokenHash,
    status: "active",
    pairingId: code._id,
    createdAt: now,
  });
  await ctx.db.patch(code._id, { status: "claimed", claimedAt: now, deviceId });
  return { ok: true, instanceName: instance.name };
}
