/** The connection's public types: states, the events it emits, and its options. */
import type { Clock } from "./clock.js";
import type { ClientIdentityOptions, CreateGatewayClient } from "./gateway-client-factory.js";
import type { LivenessLimits } from "./liveness-watchdog.js";
import type { ChatEvent, GatewayHelloInfo, SessionMessageEvent, SessionsChangedEvent, ShutdownEvent } from "./gateway-events.js";
import type { ReconnectPolicyOptions } from "./reconnect-policy.js";

export type GatewayConnectionState = "idle" | "connecting" | "connected" | "waiting" | "auth-failed" | "stopped";

export interface GatewayDisconnectedInfo {
  reason: string;
  /** Gateway detail code when there was one (e.g. AUTH_TOKEN_MISMATCH, UNAVAILABLE). */
  code: string | undefined;
  /** True when this ends a connection that had reached `connected`. */
  wasConnected: boolean;
  retryInMs: number;
}

export interface GatewayAuthFailedInfo {
  code: string;
  message: string;
  hint: string;
  retryInMs: number;
}

export interface GatewayConnectionEvents {
  connected: GatewayHelloInfo;
  disconnected: GatewayDisconnectedInfo;
  "auth-failed": GatewayAuthFailedInfo;
  state: GatewayConnectionState;
  chat: ChatEvent;
  "session.message": SessionMessageEvent;
  "sessions.changed": SessionsChangedEvent;
  shutdown: ShutdownEvent;
  /** Payloads not inspected: each only says "refresh that part" (src/bridge/agent-features.ts). */
  health: unknown;
  cron: unknown;
  "skills.changed": unknown;
}

export interface GatewayConnectionOptions extends ClientIdentityOptions {
  clock?: Clock;
  random?: () => number;
  reconnect?: Partial<Omit<ReconnectPolicyOptions, "random">>;
  /** An attempt that neither reaches `connected` nor closes within this is abandoned (default 45 s). */
  attemptTimeoutMs?: number;
  /** When a silent connection is probed and when it counts as dead (default GATEWAY_LIVENESS: 4 s, 10 s). */
  liveness?: Partial<LivenessLimits>;
  /** Re-issue sessions.subscribe after every hello-ok (default true): subscriptions die with the socket. */
  subscribeSessions?: boolean;
  createClient?: CreateGatewayClient;
}
