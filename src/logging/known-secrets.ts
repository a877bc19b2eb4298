/** Every credential value the relay holds at start, whatever its source: masked wherever it shows up in a log line or a report. */
import type { Env } from "../config/paths.js";
import { secretValues, type FastclawConfig } from "../config/schema.js";
import { resolveGatewayConfig, type ResolvedGatewayConfig } from "../gateway/gateway-config.js";

/** A relay config (whole, or as `run` took it): its SECRET_KEYS, and its own Gateway settings for the resolution. */
export type SecretSources = Pick<FastclawConfig, "instanceSecret" | "registrationKey" | "contentKey"> & {
  gateway?: { url?: string; token?: string; password?: string };
};

export type ResolveGateway = (options: { env: Env; explicit?: SecretSources["gateway"] }) => Promise<ResolvedGatewayConfig>;

/**
 * The relay's secret and the Gateway token/password as the connection will resolve them: from the
 * relay's config, OPENCLAW_GATEWAY_TOKEN/PASSWORD or OpenClaw's own config (incl. `${ENV}` values).
 * A resolution that fails here fails again, reported, when the relay connects; it hides nothing.
 */
export async function knownSecrets(env: Env, config: SecretSources, resolve: ResolveGateway = resolveGatewayConfig): Promise<string[]> {
  const values: Array<string | undefined> = secretValues(config);
  try {
    const { auth } = await resolve({ env, ...(config.gateway ? { explicit: config.gateway } : {}) });
    values.push(auth.token, auth.password);
  } catch {
    // See above: the connection reports it.
  }
  // Credentials in the environment are secrets whether or not this resolution sends them (auth.mode
  // may pick the other kind): a log line must not show them either.
  values.push(env.OPENCLAW_GATEWAY_TOKEN, env.OPENCLAW_GATEWAY_PASSWORD);
  return [...new Set(values.filter((s): s is string => typeof s === "string" && s.length > 0))];
}
