/** `instances.register`: a relay creates (or finds again) the namespace owned by its secret. */
import { v } from "convex/values";
import { mutation } from "./_generated/server.js";
import { credentialHash } from "./lib/auth.js";
import { MAX_NAME_CHARS } from "./lib/limits.js";
import { requireName } from "./lib/validate.js";

/**
 * No credential to check: holding `secret` is what owns the namespace. Registering the same secret again
 * returns the same instance (and renames it), so a relay can retry after a lost answer.
 */
export const register = mutation({
  args: { secret: v.string(), name: v.string() },
  returns: v.object({ instanceId: v.id("instances") }),
  handler: async (ctx, args) => {
    const secretHash = await credentialHash("secret", args.secret);
    const name = requireName("name", args.name, MAX_NAME_CHARS);
    const existing = await ctx.db
      .query("instances")
      .withIndex("by_secret_hash", (q) => q.eq("secretHash", secretHash))
      .unique();
    if (existing !== null) {
      if (existing.name !== name) await ctx.db.patch(existing._id, { name });
      return { instanceId: existing._id };
    }
    const instanceId = await ctx.db.insert("instances", { name, secretHash, createdAt: Date.now() });
    return { instanceId };
  },
});
