/** The environment the trial's relay processes get: the trial's state dir and the chosen Gateway, nothing of the real relay's. */
import { LOCAL_CONVEX_REGISTRATION_KEY, REGISTRATION_KEY_ENV } from "../local-convex/registration-key.js";
import type { TrialGateway } from "./gateway-choice.js";

/**
 * Copies `base` without FASTCLAW_* (a real FASTCLAW_CONVEX_URL would point the trial relay at the
 * person's real deployment) and without gateway credentials, then sets the trial's own (and the local
 * Convex server's registration key, so the trial's `pair` registers as on a personal deployment).
 */
export function trialRelayEnv(base: NodeJS.ProcessEnv, relayStateDir: string, gateway: Pick<TrialGateway, "url" | "token" | "password">): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) {
    if (value === undefined || key.startsWith("FASTCLAW_")) continue;
    if (key === "OPENCLAW_GATEWAY_URL" || key === "OPENCLAW_GATEWAY_TOKEN" || key === "OPENCLAW_GATEWAY_PASSWORD" || key === "OPENCLAW_GATEWAY_PORT") continue;
    if (key === "NODE_OPTIONS") continue;
    env[key] = value;
  }
  env.FASTCLAW_STATE_DIR = relayStateDir;
  env[REGISTRATION_KEY_ENV] = LOCAL_CONVEX_REGISTRATION_KEY;
  env.OPENCLAW_GATEWAY_URL = gateway.url;
  if (gateway.token) env.OPENCLAW_GATEWAY_TOKEN = gateway.token;
  if (gateway.password) env.OPENCLAW_GATEWAY_PASSWORD = gateway.password;
  return env;
}
