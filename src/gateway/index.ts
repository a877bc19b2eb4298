/** The Gateway side of the relay: resolve where/how to connect, load the device identity, and connect. */
import type { Env, StatePaths } from "../config/paths.js";
import type { GatewayLogger } from "./gateway-client-factory.js";
import { loadOrCreateDeviceIdentity } from "./device-identity.js";
import { resolveGatewayConfig, type ExplicitGatewaySettings, type ResolvedGatewayConfig } from "./gateway-config.js";
import { GatewayConnection, type GatewayConnectionOptions } from "./gateway-connection.js";

export * from "./gateway-connection.js";
export * from "./gateway-errors.js";
export * from "./gateway-events.js";
export * from "./gateway-methods.js";
export * from "./chat-attachments.js";
export * from "./transcript-media.js";
export * from "./media-download.js";
export { resolveGatewayConfig, DEFAULT_GATEWAY_URL, GatewayConfigError, openclawConfigPath } from "./gateway-config.js";
export type { ExplicitGatewaySettings, GatewayAuth, ResolvedGatewayConfig } from "./gateway-config.js";
export { loadOrCreateDeviceIdentity, DeviceIdentityError, type DeviceIdentity } from "./device-identity.js";
export type { Clock } from "./clock.js";
export type { GatewayLogger, GatewayClientLike, CreateGatewayClient } from "./gateway-client-factory.js";
export type { ReconnectPolicyOptions } from "./reconnect-policy.js";

export interface OpenGatewayConnectionOptions {
  env: Env;
  paths: StatePaths;
  logger: GatewayLogger;
  /** The relay's own settings (RelayRunConfig.gateway): highest precedence. */
  explicit?: ExplicitGatewaySettings;
  /** Anything else GatewayConnection accepts (clock, reconnect tuning, test factory…). */
  overrides?: Partial<Omit<GatewayConnectionOptions, "url" | "auth" | "tlsFingerprint" | "identity" | "logger">>;
}

/**
 * Resolves the Gateway URL and credentials, loads (or creates once) the device identity, and
 * returns a connection that is not started yet: call `start()` after adding listeners.
 * Throws GatewayConfigError / DeviceIdentityError with a message naming what to fix.
 */
export async function openGatewayConnection(
  options: OpenGatewayConnectionOptions,
): Promise<{ connection: GatewayConnection; config: ResolvedGatewayConfig }> {
  const config = await resolveGatewayConfig({ env: options.env, ...(options.explicit ? { explicit: options.explicit } : {}) });
  const identity = await loadOrCreateDeviceIdentity(options.paths.deviceIdentityFile);
  const pin = config.tlsFingerprintSource ? `, TLS pin from ${config.tlsFingerprintSource}` : "";
  options.logger.info(
    `gateway: ${config.mode} mode, ${config.url} (from ${config.urlSource}), token from ${config.tokenSource ?? "none"}, ` +
      `password from ${config.passwordSource ?? "none"}${pin}, device ${identity.deviceId.slice(0, 12)}`,
  );
  if (config.insecurePrivateWs) {
    options.logger.warn(
      `gateway: plaintext ws:// to the non-loopback ${config.url} because OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1: the token and every message cross the network unencrypted; use wss:// or an SSH tunnel unless this network is trusted`,
    );
  }
  const connection = new GatewayConnection({
    ...options.overrides,
    url: config.url,
    auth: config.auth,
    ...(config.tlsFingerprint ? { tlsFingerprint: config.tlsFingerprint } : {}),
    identity,
    logger: options.logger,
  });
  return { connection, config };
}
