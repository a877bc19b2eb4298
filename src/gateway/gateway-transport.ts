/** Transport rules for the Gateway URL: plaintext ws:// only to loopback (or with the break-glass), SHA-256 pins for wss://. */
import { isIP } from "node:net";
import type { Env } from "../config/paths.js";
import { GatewayConfigError } from "./openclaw-config.js";

/** The relay's own env variable that allows ws:// to a non-loopback host (trusted private networks only). */
export const INSECURE_PRIVATE_WS_ENV = "OPENCLAW_ALLOW_INSECURE_PRIVATE_WS";

/** True for localhost, 127.0.0.0/8, ::1 and IPv4-mapped 127.x — hosts whose traffic never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase().replace(/\.+$/, "");
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) {
    if (host === "::1" || /^(0{1,4}:){7}0{0,3}1$/.test(host)) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
    if (mapped) return mapped[1]!.startsWith("127.");
    // `new URL` canonicalises ::ffff:127.0.0.1 to ::ffff:7f00:1.
    return /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host);
  }
  return false;
}

/** "aa:bb:…" / "sha256:AABB…" / 64 hex chars → 64 lower-case hex chars; undefined when not a SHA-256 fingerprint. */
export function normalizeFingerprint(raw: string): string | undefined {
  const value = raw.trim().replace(/^sha256:/i, "");
  if (/^[0-9a-fA-F]{64}$/.test(value)) return value.toLowerCase();
  if (/^(?:[0-9a-fA-F]{2}:){31}[0-9a-fA-F]{2}$/.test(value)) return value.replaceAll(":", "").toLowerCase();
  return undefined;
}

/** The colon form people compare with `openssl x509 -fingerprint -sha256`. */
export function formatFingerprint(hex: string): string {
  return (hex.toUpperCase().match(/.{2}/g) ?? []).join(":");
}

export interface TransportDecision {
  /** True when ws:// goes to a non-loopback host because the break-glass is set: the relay warns at start. */
  insecurePrivateWs: boolean;
}

/**
 * Refuses plaintext ws:// to anything but loopback unless the break-glass is set in `env` (the
 * relay's own environment), and a pin on a ws:// URL. `urlKey` names where the URL came from.
 */
export function checkGatewayTransport(url: string, urlKey: string, env: Env, pinKey?: string): TransportDecision {
  const parsed = new URL(url);
  if (parsed.protocol === "wss:") return { insecurePrivateWs: false };
  if (pinKey !== undefined) {
    throw new GatewayConfigError(pinKey, `${pinKey} pins a TLS certificate, but the Gateway URL ${url} (from ${urlKey}) is plaintext ws://; use wss://`);
  }
  if (isLoopbackHost(parsed.hostname)) return { insecurePrivateWs: false };
  if (env[INSECURE_PRIVATE_WS_ENV] === "1") return { insecurePrivateWs: true };
  throw new GatewayConfigError(
    urlKey,
    `refusing plaintext ws:// to the non-loopback host "${parsed.hostname}" (from ${urlKey}): the token and every message would cross the network ` +
      `unencrypted. Use wss:// (with gateway.remote.tlsFingerprint for a self-signed certificate), or an SSH tunnel to ws://127.0.0.1 ` +
      `(ssh -N -L 18789:127.0.0.1:18789 user@gateway-host). Break-glass for a trusted private network: ${INSECURE_PRIVATE_WS_ENV}=1 in the relay's environment`,
  );
}
