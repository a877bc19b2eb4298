/** Pairing: one-time QR codes made by the relay, claimed by a phone, watched, expired, and reset. */
import { v } from "convex/values";
import { internal } from "./_generated/api.js";
import { action, internalMutation, mutation, query } from "./_generated/server.js";
import { checkCredential, credentialHash, requireInstance, sha256Hex } from "./lib/auth.js";
import { attemptClaim, claimAttemptResult, type ClaimAttemptResult } from "./lib/claim.js";
import { badRequest, fail } from "./lib/errors.js";
import { pairingStatus } from "./lib/fields.js";
import { CLAIM_FAILURE_WINDOW_MS, MAX_ACTIVE_DEVICES, MAX_NAME_CHARS, MAX_PLATFORM_CHARS, PAIRING_TTL_MS } from "./lib/limits.js";
import { claimRateKey, takeToken } from "./lib/ratelimit.js";
import { pairingCodeRate } from "./lib/settings.js";
import { requireName, requireString } from "./lib/validate.js";

/** Registers a new one-time code (the relay made `token`); any pending code of the instance is replaced. */
export const create = mutation({
  args: { relaySecret: v.string(), token: v.string() },
  returns: v.object({ pairingId: v.id("pairingCodes"), expiresAt: v.number() }),
  handler: async (ctx, args) => {
    const instance = await requireInstance(ctx, args.relaySecret);
    const tokenHash = await credentialHash("token", args.token);
    const used = await ctx.db
      .query("pairingCodes")
      .withIndex("by_token_hash", (q) => q.eq("tokenHash", tokenHash))
      .first();
    if (used !== null) badRequest("token was used before; make a new one");
    const now = Date.now();
    const rate = pairingCodeRate();
    const retryAfterMs = await takeToken(ctx, `pairing:${instance._id}`, rate, now);
    if (retryAfterMs !== null) {
      fail("RATE_LIMITED", `at most ${rate.burst} pairing codes an hour; try again later`, retryAfterMs);
    }
    // `create` keeps at most one pending code per instance, so this finds one at most.
    const pending = await ctx.db
      .query("pairingCodes")
      .withIndex("by_instance_status", (q) => q.eq("instanceId", instance._id).eq("status", "pending"))
      .take(10);
    for (const old of pending) await ctx.db.patch(old._id, { status: "replaced" });
    const expiresAt = now + PAIRING_TTL_MS;
    const pairingId = await ctx.db.insert("pairingCodes", {
      instanceId: instance._id,
      tokenHash,
      status: "pending",
      createdAt: now,
      expiresAt,
    });
    await ctx.scheduler.runAt(expiresAt, internal.pairing.expire, { pairingId });
    return { pairingId, expiresAt };
  },
});

/**
 * Withdraws a pending code (the relay's `pair` was interrupted), so nobody can claim it once nothing watches
 * it. Returns the code's status afterwards; a code that is no longer pending is left as it is.
 */
export const cancel = mutation({
  args: { relaySecret: v.string(), pairingId: v.id("pairingCodes") },
  returns: v.object({ status: pairingStatus }),
  handler: async (ctx, args) => {
    const instance = await requireInstance(ctx, args.relaySecret);
    const code = await ctx.db.get(args.pairingId);
    if (code === null || code.instanceId !== instance._id) fail("NOT_FOUND", "no such pairing code");
    if (code.status !== "pending") return { status: code.status };
    await ctx.db.patch(code._id, { status: "cancelled" });
    return { status: "cancelled" as const };
  },
});

/** What the relay shows while the QR code is up: pending → claimed (by whom) | expired | replaced | revoked | cancelled. */
export const watch = query({
  args: { relaySecret: v.string(), pairingId: v.id("pairingCodes") },
  returns: v.object({
    status: pairingStatus,
    expiresAt: v.number(),
    device: v.optional(v.object({ name: v.string(), platform: v.string() })),
  }),
  handler: async (ctx, args) => {
    const instance = await requireInstance(ctx, args.relaySecret);
    const code = await ctx.db.get(args.pairingId);
    if (code === null || code.instanceId !== instance._id) fail("NOT_FOUND", "no such pairing code");
    const device = code.deviceId === undefined ? null : await ctx.db.get(code.deviceId);
    return {
      status: code.status,
      expiresAt: code.expiresAt,
      device: device === null ? undefined : { name: device.name, platform: device.platform },
    };
  },
});

/**
 * The phone claims a code with a device token it made itself. An action, so that a failed attempt is
 * committed (counted for the rate limit) by the mutation before this throws.
 */
export const claim = action({
  args: { pairingToken: v.string(), deviceToken: v.string(), deviceName: v.string(), platform: v.string() },
  returns: v.object({ instanceName: v.string() }),
  handler: async (ctx, args): Promise<{ instanceName: string }> => {
    checkCredential("pairingToken", args.pairingToken);
    checkCredential("deviceToken", args.deviceToken);
    const deviceName = requireName("deviceName", args.deviceName, MAX_NAME_CHARS);
    const platform = requireName("platform", args.platform, MAX_PLATFORM_CHARS);
    let ip: string | null = null;
    try {
      ip = (await ctx.meta.getRequestMetadata()).ip;
    } catch {
      // A backend without request metadata: every caller shares one bucket (a valid claim still goes through).
    }
    const result: ClaimAttemptResult = await ctx.runMutation(internal.pairing.claimAttempt, {
      pairingTokenHash: await sha256Hex(args.pairingToken),
      deviceTokenHash: await sha256Hex(args.deviceToken),
      deviceName,
      platform,
      rateKey: await claimRateKey(ip),
    });
    if (!result.ok) fail(result.code, result.message, result.retryAfterMs);
    // The device id stays in Convex: the device is known by its token alone.
    return { instanceName: result.instanceName };
  },
});

/** Revokes every device and pending code of the instance and rotates its secret to `newSecret`. */
export const reset = mutation({
  args: { relaySecret: v.string(), newSecret: v.string() },
  returns: v.object({ revokedDevices: v.number() }),
  handler: async (ctx, args) => {
    const instance = await requireInstance(ctx, args.relaySecret);
    const newHash = await credentialHash("newSecret", args.newSecret);
    if (newHash === instance.secretHash) badRequest("newSecret must differ from relaySecret");
    const taken = await ctx.db
      .query("instances")
      .withIndex("by_secret_hash", (q) => q.eq("secretHash", newHash))
      .first();
    if (taken !== null) badRequest("newSecret is already in use; make a new one");
    const now = Date.now();
    // Claims stop at MAX_ACTIVE_DEVICES, so one bounded read revokes them all in this transaction.
    const devices = await ctx.db
      .query("devices")
      .withIndex("by_instance_status", (q) => q.eq("instanceId", instance._id).eq("status", "active"))
      .take(MAX_ACTIVE_DEVICES + 10);
    for (const device of devices) await ctx.db.patch(device._id, { status: "revoked", revokedAt: now });
    const pending = await ctx.db
      .query("pairingCodes")
      .withIndex("by_instance_status", (q) => q.eq("instanceId", instance._id).eq("status", "pending"))
      .take(10);
    for (const code of pending) await ctx.db.patch(code._id, { status: "revoked" });
    await ctx.db.patch(instance._id, { secretHash: newHash, rotatedAt: now });
    return { revokedDevices: devices.length };
  },
});

export const claimAttempt = internalMutation({
  args: {
    pairingTokenHash: v.string(),
    deviceTokenHash: v.string(),
    deviceName: v.string(),
    platform: v.string(),
    rateKey: v.string(),
  },
  returns: claimAttemptResult,
  handler: (ctx, args) => attemptClaim(ctx, args),
});

/** Scheduled at a code's expiry: a code still pending then is expired (claimed or replaced ones stay). */
export const expire = internalMutation({
  args: { pairingId: v.id("pairingCodes") },
  returns: v.null(),
  handler: async (ctx, args) => {
    const code = await ctx.db.get(args.pairingId);
    if (code !== null && code.status === "pending") await ctx.db.patch(code._id, { status: "expired" });
    return null;
  },
});

/** Scheduled when a failure bucket opens: drops it once its window is over. */
export const forgetClaimFailures = internalMutation({
  args: { bucketId: v.id("claimFailures") },
  returns: v.null(),
  handler: async (ctx, args) => {
    const bucket = await ctx.db.get(args.bucketId);
    if (bucket === null) return null;
    const windowEnd = bucket.windowStart + CLAIM_FAILURE_WINDOW_MS;
    if (Date.now() >= windowEnd) await ctx.db.delete(bucket._id);
    // The window restarted: look again when the new one ends.
    else await ctx.scheduler.runAt(windowEnd, internal.pairing.forgetClaimFailures, { bucketId: bucket._id });
    return null;
  },
});
