/** Tells Convex the relay is alive and whether the Gateway is connected, so the app can say which is down. */
import { systemClock, type Clock, type TimerHandle } from "../gateway/clock.js";
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
  private timer: TimerHandle | undefined;

  constructor(
    private readonly convex: ConvexWrites,
    private state: PresenceState,
    private readonly intervalMs = 30_000,
    private readonly clock: Clock = systemClock,
  ) {}

  start(): void {
    this.beat();
    this.scheduleBeat();
  }

  private scheduleBeat(): void {
    this.timer = this.clock.setTimeout(() => {
      this.scheduleBeat();
      this.beat();
    }, this.intervalMs);
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
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    let timer: TimerHandle | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = this.clock.setTimeout(resolve, timeoutMs);
    });
    try {
      await Promise.race([this.convex.write(api.relay.goingOffline, {}, { durable: false }), timeout]);
    } finally {
      if (timer !== undefined) this.clock.clearTimeout(timer);
    }
  }
}
