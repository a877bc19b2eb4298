/** Builds one official `GatewayClient` per connect attempt, with the relay's identity, scopes and logging. */
import { GatewayClient, type GatewayClientCloseInfo, type GatewayClientOptions } from "@openclaw/gateway-client";
import type { GatewayClientId, GatewayClientMode } from "@openclaw/gateway-protocol/client-info";
import { RELAY_VERSION } from "../version.js";
import { publicKeyRawBase64UrlFromPem, signDevicePayload, type DeviceIdentity } from "./device-identity.js";
import type { GatewayAuth } from "./gateway-config.js";
import { TlsPinObserver } from "./gateway-tls.js";

/** The part of GatewayClient the supervisor uses; tests substitute a fake. */
export interface GatewayClientLike {
  start(): void;
  stop(): void;
  request(method: string, params?: unknown, opts?: { timeoutMs?: number | null }): Promise<unknown>;
}

export type GatewayCallbacks = Pick<GatewayClientOptions, "onEvent" | "onHelloOk" | "onConnectError" | "onReconnectPaused" | "onClose">;

export type CreateGatewayClient = (options: GatewayClientOptions) => GatewayClientLike;

export const createOfficialGatewayClient: CreateGatewayClient = (options) => new GatewayClient(options);

export const REQUIRED_SCOPES: readonly string[] = ["operator.read", "operator.write"];

/** The logging the Gateway code needs; the relay's winston logger satisfies it. */
export interface GatewayLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface ClientIdentityOptions {
  url: string;
  auth: GatewayAuth;
  /** SHA-256 pin (64 hex) of the Gateway's certificate for wss://; without it, system trust applies. */
  tlsFingerprint?: string;
  identity: DeviceIdentity;
  logger: GatewayLogger;
  /**
   * Closed enum on the Gateway. `gateway-client`/`backend` keeps its scopes on loopback with a
   * device identity and creates no pairing record; `cli`/`cli` also works (it is auto-paired).
   */
  clientId?: GatewayClientId;
  clientMode?: GatewayClientMode;
  clientVersion?: string;
  scopes?: readonly string[];
  /** Asked for besides `scopes`, but not required: a Gateway that withholds them still connects (features that need them stay off). */
  optionalScopes?: readonly string[];
  requestTimeoutMs?: number;
}

/** Replaces every occurrence of a secret in a log line. */
export function redactor(secrets: Array<string | undefined>): (text: string) => string {
  const list = secrets.filter((s): s is string => typeof s === "string" && s.length >= 4);
  return (text) => list.reduce((acc, secret) => acc.split(secret).join("***"), text);
}

export function buildClientOptions(options: ClientIdentityOptions, callbacks: GatewayCallbacks): GatewayClientOptions {
  const redact = redactor([options.auth.token, options.auth.password]);
  const tls = new TlsPinObserver(options.url, options.tlsFingerprint);
  const { onConnectError, onClose } = callbacks;
  return {
    url: options.url,
    ...(options.tlsFingerprint ? { tlsFingerprint: options.tlsFingerprint } : {}),
    ...(options.auth.token ? { token: options.auth.token } : {}),
    ...(options.auth.password ? { password: options.auth.password } : {}),
    clientName: options.clientId ?? "gateway-client",
    mode: options.clientMode ?? "backend",
    clientDisplayName: "fastclaw-relay",
    clientVersion: options.clientVersion ?? RELAY_VERSION,
    role: "operator",
    scopes: [...(options.scopes ?? REQUIRED_SCOPES), ...(options.optionalScopes ?? [])],
    caps: [],
    // 2026.9.x gateways reject 3..3 and older ones reject 4..4; 3..4 works on both (hello-ok says which).
    minProtocol: 3,
    maxProtocol: 4,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    deviceIdentity: {
      deviceId: options.identity.deviceId,
      privateKeyPem: options.identity.privateKeyPem,
      publicKeyPem: options.identity.publicKeyPem,
    },
    // Startup "try again" closes must reach the supervisor too: it owns every reconnect decision.
    notifyOnStartupRetry: true,
    hostDeps: {
      signDevicePayload,
      publicKeyRawBase64UrlFromPem,
      // The official client's chatter goes to debug; its "connect failed" lines to debug as well,
      // because the supervisor reports each failure once, with a hint, at the right level.
      logDebug: (message) => options.logger.debug(`gateway-client: ${message}`),
      logError: (message) => options.logger.debug(`gateway-client: ${message}`),
      redactForLog: redact,
      normalizeTlsFingerprint: tls.normalize,
    },
    ...callbacks,
    // The client says only "fingerprint mismatch" or passes Node's TLS error: the supervisor gets one that says what to do.
    ...(onConnectError ? { onConnectError: (error: Error) => onConnectError(tls.explain(error)) } : {}),
    ...(onClose
      ? {
          onClose: (code: number, reason: string, info?: GatewayClientCloseInfo) =>
            onClose(code, reason, info?.connectError ? { ...info, connectError: tls.explain(info.connectError) } : info),
        }
      : {}),
  };
}
