/** Notices a dead Gateway connection within seconds: silence brings a probe, silence past the limit ends the connection. */
import type { Clock, TimerHandle } from "./clock.js";

export interface LivenessLimits {
  /** Silence after which the connection is probed with a cheap request (any answer proves it alive). */
  probeAfterMs: number;
  /** Silence after which the connection counts as dead. */
  deadAfterMs: number;
}

/**
 * A socket can stay "open" while the peer is frozen or the network drops everything, so silence is
 * the only reliable signal; the Gateway's own `tick` (every 30 s) is too rare to notice that within
 * the 15 s the relay promises. So the relay makes traffic itself: after 4 s without a frame it sends a
 * probe, which a live Gateway answers within milliseconds. 6 s more without any frame trips only on a
 * frozen Gateway or a black-holed network. The verdict comes at most 10 s after the last frame, which
 * leaves 5 s for timers firing late on a loaded machine and for the state change to reach `status`.
 */
export const GATEWAY_LIVENESS: LivenessLimits = { probeAfterMs: 4_000, deadAfterMs: 10_000 };

/**
 * A check this late means this process itself was stalled (SIGSTOP, a suspended laptop, a blocked
 * event loop): frames may be waiting unread in the socket, so the silence proves nothing about the
 * Gateway. The connection gets a probe and a fresh answer window instead of a verdict.
 */
const STALLED_MS = 1_000;

export interface LivenessHandlers {
  /** Send a probe; its answer (or any other frame) must reach `touch()`. */
  probe(): void;
  dead(silentForMs: number): void;
}

/** One timer, re-armed when it fires, keeps `touch()` cheap enough to call on every frame. */
export class LivenessWatchdog {
  private lastActivity = 0;
  private limits: LivenessLimits = GATEWAY_LIVENESS;
  private timer: TimerHandle | undefined;
  private dueAt = 0;
  private probing = false;
  private waiters: Array<() => void> = [];
  // Plain fields, not parameter properties: e2e children load src/gateway with Node's type stripping.
  private readonly clock: Clock;
  private readonly handlers: LivenessHandlers;

  constructor(clock: Clock, handlers: LivenessHandlers) {
    this.clock = clock;
    this.handlers = handlers;
  }

  start(limits: LivenessLimits): void {
    this.stop();
    const deadAfterMs = Math.max(1, limits.deadAfterMs);
    this.limits = { deadAfterMs, probeAfterMs: Math.min(Math.max(1, limits.probeAfterMs), deadAfterMs) };
    this.lastActivity = this.clock.now();
    this.arm(this.limits.probeAfterMs);
  }

  touch(): void {
    this.lastActivity = this.clock.now();
    if (this.probing) {
      // Once per probe, not per frame: the timer still points at the verdict; the next probe is due sooner.
      this.probing = false;
      if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
      this.arm(this.limits.probeAfterMs);
      this.release();
    }
  }

  /** A probe is out and nothing has arrived since: the connection may be dead. */
  get suspect(): boolean {
    return this.probing;
  }

  /** Resolves when suspicion ends: a frame arrived, or the watchdog stopped (the connection is over). */
  settled(): Promise<void> {
    if (!this.probing) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.probing = false;
    this.release();
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  private release(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  private arm(ms: number): void {
    this.dueAt = this.clock.now() + ms;
    this.timer = this.clock.setTimeout(() => this.check(), ms);
  }

  private check(): void {
    this.timer = undefined;
    const now = this.clock.now();
    if (now - this.dueAt > STALLED_MS) {
      this.probing = false;
      this.lastActivity = now - this.limits.probeAfterMs;
    }
    const silent = now - this.lastActivity;
    if (silent >= this.limits.deadAfterMs) {
      this.handlers.dead(silent);
      // After the handler, so whoever waits on settled() finds the connection already ended.
      this.stop();
      return;
    }
    if (silent < this.limits.probeAfterMs) {
      this.arm(this.limits.probeAfterMs - silent);
      return;
    }
    this.arm(this.limits.deadAfterMs - silent);
    if (!this.probing) {
      this.probing = true;
      this.handlers.probe();
    }
  }
}
