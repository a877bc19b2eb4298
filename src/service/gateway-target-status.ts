/** The `status` view of which Gateway the relay targets and where each credential comes from (sources only, never values). */
import { GatewayConfigError, resolveGatewayConfig, type ExplicitGatewaySettings, type GatewayMode } from "../gateway/gateway-config.js";
import type { Env } from "../config/paths.js";

export interface GatewayTargetReport {
  mode?: GatewayMode;
  url?: string;
  urlSource?: string;
  /** "none" when no token is sent. */
  tokenSource?: string;
  passwordSource?: string;
  /** Where the TLS certificate pin comes from, when there is one. */
  tlsPinSource?: string;
  insecurePrivateWs?: boolean;
  /** Why the relay could not use its Gateway settings (names the key). */
  error?: string;
}

/** Resolves exactly as the relay does, in this process's environment. */
export async function gatewayTargetReport(env: Env, explicit: ExplicitGatewaySettings | undefined): Promise<GatewayTargetReport> {
  try {
    const r = await resolveGatewayConfig({ env, ...(explicit ? { explicit } : {}) });
    return {
      mode: r.mode,
      url: r.url,
      urlSource: r.urlSource,
      tokenSource: r.tokenSource ?? "none",
      passwordSource: r.passwordSource ?? "none",
      ...(r.tlsFingerprintSource ? { tlsPinSource: r.tlsFingerprintSource } : {}),
      insecurePrivateWs: r.insecurePrivateWs,
    };
  } catch (error) {
    if (error instanceof GatewayConfigError) return { error: error.message };
    throw error;
  }
}

/** One status line: mode, target, and the source of each credential. */
export function formatGatewayTarget(t: GatewayTargetReport): string {
  if (t.error !== undefined) return `unusable: ${t.error}`;
  const mode = t.mode === "override" ? "URL override" : `${t.mode ?? "?"} mode`;
  const pin = t.tlsPinSource ? `; TLS pin from ${t.tlsPinSource}` : "";
  const insecure = t.insecurePrivateWs ? "; plaintext ws:// allowed by OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1" : "";
  return `${mode}, ${t.url ?? "?"} (from ${t.urlSource ?? "?"}); token from ${t.tokenSource ?? "none"}; password from ${t.passwordSource ?? "none"}${pin}${insecure}`;
}
