/** The web app's pairing link for a new code, from the site URL the deployment reports (`web:info`). */
import type { ConvexCaller } from "./convex-calls.js";
import { api } from "../../convex/_generated/api.js";
import { buildWebPairingUrl } from "./web-link.js";

export type WebPairingUrl = { url: string; note?: undefined } | { url: null; note: string };

/**
 * Never fails the pairing: the fastclaw:// payload works without the web app. A deployment whose functions
 * predate the web app has no `web:info` (redeploy), and one that reports no site URL cannot serve it.
 */
export async function webPairingUrl(convex: ConvexCaller, relaySecret: string, token: string, contentKey: string): Promise<WebPairingUrl> {
  let siteUrl: string | null;
  try {
    ({ siteUrl } = await convex.query(api.web.info, { relaySecret }));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/Could not find public function/i.test(message)) {
      return { url: null, note: "this deployment has no web app yet: redeploy the functions (`npx convex deploy`) to get one" };
    }
    return { url: null, note: `could not ask the deployment for its web app's URL (${message.split("\n")[0]})` };
  }
  // Re-serialised by the URL parser: whatever the deployment says, nothing but a plain http(s) URL gets printed.
  let parsed: URL | undefined;
  try {
    parsed = siteUrl === null ? undefined : new URL(siteUrl);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== "https:" && parsed.protocol !== "http:") || parsed.search || parsed.hash) {
    return { url: null, note: "the deployment reports no usable site URL for its web app" };
  }
  return { url: buildWebPairingUrl(parsed.href, token, contentKey) };
}
