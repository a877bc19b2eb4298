/**
 * Rate limits: a fixed-window counter of failed pairing claims per client address (so pairing tokens can't be
 * guessed in bulk), and token buckets for sends, pairing codes and open registration.
 */
import { internal } from "../_generated/api.js";
import type { DatabaseReader, MutationCtx } from "../_generated/server.js";
import { CLAIM_FAILURE_LIMIT, CLAIM_FAILURE_WINDOW_MS, IPV6_BUCKET_PREFIX_GROUPS, type Rate } from "./limits.js";
import { sha256Hex } from "./auth.js";

/**
 * The part of a client address that identifies one client: an IPv4 address (also when IPv4-mapped), or the
 * /64 of an IPv6 address, because one host can use every address of its /64. Null for anything unparseable.
 */
export function addressBucket(ip: string): string | null {
  const address = ip.trim().replace(/^\[|\]$/g, "").replace(/%.*$/, "").toLowerCase();
  const v4 = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  if (v4) return v4[1]!;
  if (!address.includes(":") || !/^[0-9a-f:.]+$/.test(address)) return null;
  // An embedded dotted IPv4 tail counts as two groups.
  const tail = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  const body = tail ? `${address.slice(0, -tail[1]!.length)}0:0` : address;
  const halves = body.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] === "" ? [] : halves[0]!.split(":");
  const rest = halves.length === 2 && halves[1] !== "" ? halves[1]!.split(":") : [];
  const missing = 8 - head.length - rest.length;
  if ((halves.length === 2 ? missing < 1 : missing !== 0) || [...head, ...rest].some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  const groups = [...head, ...Array<string>(missing).fill("0"), ...rest].map((g) => g.replace(/^0+(?=.)/, ""));
  return `${groups.slice(0, IPV6_BUCKET_PREFIX_GROUPS).join(":")}::/64`;
}

/**
 * The bucket of a caller: its address (see addressBucket), hashed so that no IP address is stored, or one
 * shared bucket when the backend gives no usable address (internal calls, a backend without request metadata).
 */
export async function claimRateKey(ip: string | null): Promise<string> {
  const bucket = ip === null ? null : addressBucket(ip);
  return bucket === null ? "shared" : `ip:${await sha256Hex(`fastclaw-claim:${bucket}`)}`;
}

/** Milliseconds until `key` may try again, or null when it is not limited. */
export async function claimRetryAfter(db: DatabaseReader, key: string, now: number): Promise<number | null> {
  const bucket = await db
    .query("claimFailures")
    .withIndex("by_key", (q) => q.eq("key", key))
    .unique();
  if (bucket === null) return null;
  const windowEnd = bucket.windowStart + CLAIM_FAILURE_WINDOW_MS;
  if (now >= windowEnd || bucket.failures < CLAIM_FAILURE_LIMIT) return null;
  return windowEnd - now;
}

export async function recordClaimFailure(ctx: MutationCtx, key: string, now: number): Promise<void> {
  const bucket = await ctx.db
    .query("claimFailures")
    .withIndex("by_key", (q) => q.eq("key", key))
    .unique();
  if (bucket !== null && now < bucket.windowStart + CLAIM_FAILURE_WINDOW_MS) {
    await ctx.db.patch(bucket._id, { failures: bucket.failures + 1 });
    return;
  }
  if (bucket !== null) await ctx.db.patch(bucket._id, { windowStart: now, failures: 1 });
  else {
    const bucketId = await ctx.db.insert("claimFailures", { key, windowStart: now, failures: 1 });
    // Delete the bucket once its window is over, so the table doesn't grow with every address ever seen.
    await ctx.scheduler.runAfter(CLAIM_FAILURE_WINDOW_MS, internal.pairing.forgetClaimFailures, { bucketId });
  }
}

/** Tokens in a bucket at `now`: what was left, refilled evenly at `burst` per `perMs`, at most `burst`. */
function tokensAt(bucket: { tokens: number; updatedAt: number } | null, rate: Rate, now: number): number {
  if (bucket === null) return rate.burst;
  return Math.min(rate.burst, bucket.tokens + (Math.max(0, now - bucket.updatedAt) * rate.burst) / rate.perMs);
}

/** Milliseconds until the bucket `key` holds a token again, or null when it holds one now. */
export async function tokenRetryAfter(db: DatabaseReader, key: string, rate: Rate, now: number): Promise<number | null> {
  const bucket = await db
    .query("rateBuckets")
    .withIndex("by_key", (q) => q.eq("key", key))
    .unique();
  const tokens = tokensAt(bucket, rate, now);
  return tokens >= 1 ? null : Math.ceil(((1 - tokens) * rate.perMs) / rate.burst);
}

/**
 * Takes one token from bucket `key`: null when taken, else the milliseconds until one is there. A refused
 * call writes nothing, so hammering a limit doesn't push it further away.
 */
export async function takeToken(ctx: MutationCtx, key: string, rate: Rate, now: number): Promise<number | null> {
  const bucket = await ctx.db
    .query("rateBuckets")
    .withIndex("by_key", (q) => q.eq("key", key))
    .unique();
  const tokens = tokensAt(bucket, rate, now);
  if (tokens < 1) return Math.ceil(((1 - tokens) * rate.perMs) / rate.burst);
  if (bucket !== null) {
    await ctx.db.patch(bucket._id, { tokens: tokens - 1, updatedAt: now });
    return null;
  }
  const bucketId = await ctx.db.insert("rateBuckets", { key, tokens: tokens - 1, updatedAt: now, perMs: rate.perMs });
  // A full bucket is the same as none: drop it then, so the table doesn't keep every key ever seen.
  await ctx.scheduler.runAfter(rate.perMs, internal.instances.forgetRateBucket, { bucketId });
  return null;
}
