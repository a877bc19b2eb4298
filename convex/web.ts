/** What the relay needs to know about the web app this deployment serves (the pairing link's base). */
import { v } from "convex/values";
import { query } from "./_generated/server.js";
import { requireInstance } from "./lib/auth.js";
import { deploymentUrls } from "./lib/deployment-urls.js";

/** `siteUrl` is null where the deployment does not say (then there is no web link, only the fastclaw:// payload). */
export const info = query({
  args: { relaySecret: v.string() },
  returns: v.object({ siteUrl: v.union(v.string(), v.null()) }),
  handler: async (ctx, args) => {
    await requireInstance(ctx, args.relaySecret);
    return { siteUrl: deploymentUrls().siteUrl ?? null };
  },
});
