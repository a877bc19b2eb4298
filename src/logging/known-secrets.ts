/** Every credential value the relay holds at start, whatever its source: masked wherever it shows up in a log line or a report. */
import type { Env } from "../config/paths.js";
import { resolveGatewayConfig, type ResolvedGatewayConfig } from "../gateway/gateway-config.js";

export interface SecretSources {
  instanceSecret?: string;
  contentKey?: string;
  gateway?: { url?: string; token?: string; password?: string };
}

export type ResolveGateway = (options: { env: Env; explicit?: SecretSources["gateway"] }) => Promise<ResolvedGatewayConfig>;

/**
 * The relay's secret and the Gateway token/password as the connection will resolve them: from the
 * relay's config, OPENCLAW_GATEWAY_TOKEN/PASSWORD or OpenClaw's own config (incl. `${ENV}` values).
 * A resolution that fails here fails again, reported, when the relay connects; it hides nothing.
 */
export async function knownSecrets(env: Env, config: SecretSources, resolve: ResolveGateway = resolveGatewayConfig): Promise<string[]> {
  const values = [config.instanceSecret, config.contentKey, config.gateway?.token, config.gateway?.password];
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
