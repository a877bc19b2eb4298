/** Fixed-window counter of failed pairing claims per client key, so pairing tokens can't be guessed in bulk. */
import { internal } from "../_generated/api.js";
import type { DatabaseReader, MutationCtx } from "../_generated/server.js";
import { CLAIM_FAILURE_LIMIT, CLAIM_FAILURE_WINDOW_MS } from "./limits.js";
import { sha256Hex } from "./auth.js";

/**
 * The bucket of a caller: its address, hashed so that no IP address is stored, or one shared bucket when
 * the backend gives no address (scheduled or internal calls, or a backend without request metadata).
 */
export async function claimRateKey(ip: string | null): Promise<string> {
  return ip === null ? "shared" : `ip:${await sha256Hex(`fastclaw-claim:${ip}`)}`;
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
