/** Tells Convex the relay is alive and whether the Gateway is connected, so the app can say which is down. */
import { clipChars, LIMITS } from "./clip.js";
import { api } from "../convex-sync/relay-api.js";
import type { ConvexWrites } from "./ports.js";

export interface PresenceState {
  relayVersion: string;
  gatewayConnected: boolean;
  gatewayVersion?: string;
  gatewayError?: string;
}

/** How long a stop waits for Convex to take the goodbye (it is sent with whatever else is in flight). */
const GOODBYE_TIMEOUT_MS = 2_000;

export class Presence {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly convex: ConvexWrites,
    private state: PresenceState,
    private readonly intervalMs = 30_000,
  ) {}

  start(): void {
    this.beat();
    this.timer = setInterval(() => this.beat(), this.intervalMs);
    this.timer.unref();
  }

  /** A change is reported at once; heartbeats in between only refresh "last seen". */
  update(patch: Partial<PresenceState>): void {
    const next = { ...this.state, ...patch };
    if (patch.gatewayConnected === true) delete next.gatewayError;
    const changed = JSON.stringify(next) !== JSON.stringify(this.state);
    this.state = next;
    if (changed) this.beat();
  }

  beat(): void {
    const { gatewayVersion, gatewayError } = this.state;
    const args = {
      relayVersion: clipChars(this.state.relayVersion, LIMITS.version),
      gatewayConnected: this.state.gatewayConnected,
      ...(gatewayVersion ? { gatewayVersion: clipChars(gatewayVersion, LIMITS.version) } : {}),
      ...(gatewayError ? { gatewayError: clipChars(gatewayError, LIMITS.reason) } : {}),
    };
    // Presence is only true now: a heartbeat queued through an outage would lie, so it's never spooled.
    void this.convex.write(api.relay.heartbeat, args, { durable: false });
  }

  /** Says goodbye, waiting at most `timeoutMs` for the answer: a slow Convex must not hold up a stop. */
  async stop(timeoutMs = GOODBYE_TIMEOUT_MS): Promise<void> {
    clearInterval(this.timer);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    try {
      await Promise.race([this.convex.write(api.relay.goingOffline, {}, { durable: false }), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
