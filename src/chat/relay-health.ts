/** Says in one line whether the relay and the Gateway behind it are up, as the app's status shows them. */
import type { AppStatus } from "../app-client/app-client.js";
import { terminalLine } from "../terminal-text.js";

export type RelayHealth = "ok" | "relay-down" | "gateway-down";

export interface HealthReport {
  health: RelayHealth;
  line: string;
  /** What to do about it, when something is down. */
  hint?: string;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min ago`;
  return `${Math.round(m / 60)} h ago`;
}

export function describeHealth(status: AppStatus, now: number = Date.now()): HealthReport {
  // The name and the Gateway's error are others' words: one clean line each, so neither can fake a line of ours.
  const name = `"${terminalLine(status.instanceName)}"`;
  if (!status.relay.online) {
    const seen = status.relay.lastSeenAt === undefined ? "never seen online" : `last seen ${ago(now - status.relay.lastSeenAt)}`;
    return {
      health: "relay-down",
      line: `Relay ${name} is offline (${seen}).`,
      hint: "Messages wait in Convex until it is back (and expire after its maximum age). On the relay's machine: `fastclaw-relay status`, `fastclaw-relay start`.",
    };
  }
  if (!status.gateway.connected) {
    const why = status.gateway.error ? `: ${terminalLine(status.gateway.error)}` : "";
    return {
      health: "gateway-down",
      line: `Relay ${name} is online, but its OpenClaw Gateway is not connected${why}.`,
      hint: "Messages wait until the Gateway is back. On the relay's machine: `openclaw gateway status`, `fastclaw-relay status`.",
    };
  }
  const version = status.gateway.version ? ` (Gateway ${terminalLine(status.gateway.version)})` : "";
  return { health: "ok", line: `Relay ${name} is online and connected to its Gateway${version}.` };
}
