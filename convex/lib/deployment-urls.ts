/** The deployment's own URLs, as Convex sets them in every function's environment (never taken from a request). */
import type { DeploymentUrls } from "./web-serve.js";

export function deploymentUrls(): DeploymentUrls {
  const clean = (value: string | undefined): string | undefined => (value ? value.replace(/\/+$/, "") : undefined);
  return { cloudUrl: clean(process.env.CONVEX_CLOUD_URL), siteUrl: clean(process.env.CONVEX_SITE_URL) };
}
