/** Turns raw event frames into typed connection events; malformed payloads are reported by shape only. */
import type { EventFrame } from "@openclaw/gateway-protocol/frame-guards";
import type { GatewayConnectionEvents } from "./gateway-connection-types.js";
import {
  isRecord,
  parseChatEvent,
  parseSessionMessageEvent,
  parseSessionsChangedEvent,
  parseShutdownEvent,
  type ShutdownEvent,
} from "./gateway-events.js";

type Routed = "chat" | "session.message" | "sessions.changed" | "shutdown" | "health" | "cron" | "skills.changed";

export interface EventRouterSink {
  emit<K extends Routed>(event: K, payload: GatewayConnectionEvents[K]): void;
  warn(message: string): void;
  /** Called before `shutdown` is emitted, so the close that follows is read as a restart. */
  onShutdown(shutdown: ShutdownEvent): void;
}

function deliver<K extends Routed>(sink: EventRouterSink, event: K, parsed: GatewayConnectionEvents[K] | undefined, raw: unknown): void {
  if (parsed === undefined) {
    // Shape only: payloads carry user text, which never goes to the log.
    const shape = isRecord(raw) ? `keys ${Object.keys(raw).slice(0, 12).join(",")}` : typeof raw;
    sink.warn(`ignored malformed ${event} event (${shape})`);
    return;
  }
  sink.emit(event, parsed);
}

/** Events the relay does not use (tick, agent, presence…) only count as liveness. */
export function routeGatewayEvent(frame: EventFrame, sink: EventRouterSink): void {
  const { event, payload } = frame;
  switch (event) {
    case "chat":
      return deliver(sink, "chat", parseChatEvent(payload), payload);
    case "session.message":
      return deliver(sink, "session.message", parseSessionMessageEvent(payload), payload);
    case "sessions.changed":
      return deliver(sink, "sessions.changed", parseSessionsChangedEvent(payload), payload);
    case "shutdown": {
      const shutdown = parseShutdownEvent(payload) ?? { reason: "unspecified" };
      sink.onShutdown(shutdown);
      sink.emit("shutdown", shutdown);
      return;
    }
    case "health":
    case "cron":
    case "skills.changed":
      sink.emit(event, payload);
      return;
    default:
      return;
  }
}
