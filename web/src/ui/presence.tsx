/** The header's presence line: relay down / Gateway down / all up, with "last seen". */
import type { AppStatus } from "../api.js";
import type { Opened } from "../opened.js";
import { ago } from "./format.js";
import { UNREADABLE_LABEL } from "./sealed.js";

/** `gatewayError` is the status's `gateway.error`, opened (the relay seals it: it can carry content). */
export function presenceLabel(status: AppStatus, now: number, gatewayError?: Opened): { health: string; text: string } {
  // As docs/convex-api.md defines them: relay down = not online; Gateway down = relay up, Gateway not.
  const health = !status.relay.online ? "relay-down" : !status.gateway.connected ? "gateway-down" : "ok";
  if (health === "relay-down") {
    const seen = status.relay.lastSeenAt === undefined ? "never seen online" : `last seen ${ago(now - status.relay.lastSeenAt)}`;
    return { health, text: `Relay down · ${seen}` };
  }
  if (health === "gateway-down") {
    const why = gatewayError === undefined ? "" : gatewayError.ok ? gatewayError.text : `${UNREADABLE_LABEL} the reason`;
    return { health, text: why ? `Gateway down · ${why}` : "Gateway down" };
  }
  return { health, text: "Online" };
}

export function Presence({ status, now, gatewayError }: { status: AppStatus | undefined; now: number; gatewayError?: Opened }) {
  if (status === undefined) {
    return (
      <span class="presence" data-health="unknown" role="status">
        <span class="dot" aria-hidden="true" />
        Connecting…
      </span>
    );
  }
  const { health, text } = presenceLabel(status, now, gatewayError);
  return (
    <span class="presence" data-health={health} role="status" aria-live="polite">
      <span class="dot" aria-hidden="true" />
      {text}
    </span>
  );
}
