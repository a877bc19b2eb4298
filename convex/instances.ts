/** `instances.register`: a relay creates (or finds again) the namespace owned by its secret. */
import { v } from "convex/values";
import type { MutationCtx } from "./_generated/server.js";
import { internal } from "./_generated/api.js";
import { internalMutation, mutation } from "./_generated/server.js";
import { credentialHash, sha256Hex } from "./lib/auth.js";
import { badRequest, fail } from "./lib/errors.js";
import { MAX_NAME_CHARS, MAX_REGISTRATION_KEY_CHARS } from "./lib/limits.js";
import { addressBucket, takeToken, tokenRetryAfter } from "./lib/ratelimit.js";
import { registrationPolicy, registrationRatePerAddress, registrationRateTotal } from "./lib/settings.js";
import { requireName } from "./lib/validate.js";

/** Refuses a new instance the deployment's registration policy doesn't allow (lib/settings.ts). */
async function admitNewInstance(ctx: MutationCtx, registrationKey: string | undefined): Promise<void> {
  const policy = registrationPolicy();
  if (policy.kind === "closed") fail("REGISTRATION_CLOSED", policy.reason);
  // Hashes are compared, so the time taken says nothing about how much of the key was right.
  if (registrationKey !== undefined && policy.key !== undefined && (await sha256Hex(registrationKey)) === (await sha256Hex(policy.key))) {
    return;
  }
  if (policy.kind === "key") {
    fail(
      "REGISTRATION_KEY_INVALID",
      registrationKey === undefined
        ? "this deployment needs a registration key to register a new relay"
        : "the registration key does not match this deployment's",
    );
  }
  // Open registration: bounded per client address (where there is one) and for the whole deployment.
  const now = Date.now();
  let ip: string | null = null;
  try {
    ip = (await ctx.meta.getRequestMetadata()).ip;
  } catch {
    // A backend without request metadata: only the deployment-wide limit applies.
  }
  const bucket = ip === null ? null : addressBucket(ip);
  const addressKey = bucket === null ? null : `register:ip:${await sha256Hex(`fastclaw-register:${bucket}`)}`;
  const perAddress = registrationRatePerAddress();
  const total = registrationRateTotal();
  const waits = [
    addressKey === null ? null : await tokenRetryAfter(ctx.db, addressKey, perAddress, now),
    await tokenRetryAfter(ctx.db, "register:all", total, now),
  ].filter((wait): wait is number => wait !== null);
  if (waits.length > 0) fail("RATE_LIMITED", "too many new relays registered; try again later", Math.max(...waits));
  if (addressKey !== null) await takeToken(ctx, addressKey, perAddress, now);
  await takeToken(ctx, "register:all", total, now);
}

/**
 * Holding `secret` is what owns the namespace. Registering the same secret again returns the same instance
 * (and renames it), so a relay can retry after a lost answer; only a new instance needs the deployment's
 * registration key (or open registration, rate limited).
 */
export const register = mutation({
  args: { secret: v.string(), name: v.string(), registrationKey: v.optional(v.string()) },
  returns: v.object({ instanceId: v.id("instances") }),
  handler: async (ctx, args) => {
    const secretHash = await credentialHash("secret", args.secret);
    const name = requireName("name", args.name, MAX_NAME_CHARS);
    if (args.registrationKey !== undefined && args.registrationKey.length > MAX_REGISTRATION_KEY_CHARS) {
      badRequest(`registrationKey must be at most ${MAX_REGISTRATION_KEY_CHARS} characters`);
    }
    const existing = await ctx.db
      .query("instances")
      .withIndex("by_secret_hash", (q) => q.eq("secretHash", secretHash))
      .unique();
    if (existing !== null) {
      if (existing.name !== name) await ctx.db.patch(existing._id, { name });
      return { instanceId: existing._id };
    }
    await admitNewInstance(ctx, args.registrationKey);
    const instanceId = await ctx.db.insert("instances", { name, secretHash, createdAt: Date.now() });
    return { instanceId };
  },
});

/** Scheduled when a token bucket is made: drops it once it has refilled (a full bucket is the same as none). */
export const forgetRateBucket = internalMutation({
  args: { bucketId: v.id("rateBuckets") },
  returns: v.null(),
  handler: async (ctx, args) => {
    const bucket = await ctx.db.get(args.bucketId);
    if (bucket === null) return null;
    const fullAt = bucket.updatedAt + bucket.perMs;
    if (Date.now() >= fullAt) await ctx.db.delete(bucket._id);
    else await ctx.scheduler.runAt(fullAt, internal.instances.forgetRateBucket, { bucketId: bucket._id });
    return null;
  },
});
