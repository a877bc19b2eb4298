/** Notices a Gateway that stopped talking (no tick or any frame for too long) so the connection can be replaced. */
import type { Clock, TimerHandle } from "./clock.js";

/**
 * The Gateway sends `tick` every `policy.tickIntervalMs` (30 s). A socket can stay "open" while
 * the peer is frozen or a NAT dropped it, so silence is the only reliable signal. One timer,
 * re-armed when it fires, keeps `touch()` cheap enough to call on every frame.
 */
export class LivenessWatchdog {
  private lastActivity = 0;
  private timeoutMs = 0;
  private timer: TimerHandle | undefined;
  private readonly clock: Clock;
  private readonly onSilent: (silentForMs: number) => void;

  constructor(clock: Clock, onSilent: (silentForMs: number) => void) {
    this.clock = clock;
    this.onSilent = onSilent;
  }

  start(timeoutMs: number): void {
    this.stop();
    this.timeoutMs = Math.max(1, timeoutMs);
    this.lastActivity = this.clock.now();
    this.arm(this.timeoutMs);
  }

  touch(): void {
    this.lastActivity = this.clock.now();
  }

  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  private arm(ms: number): void {
    this.timer = this.clock.setTimeout(() => this.check(), ms);
  }

  private check(): void {
    this.timer = undefined;
    const silent = this.clock.now() - this.lastActivity;
    if (silent >= this.timeoutMs) {
      this.onSilent(silent);
      return;
    }
    this.arm(this.timeoutMs - silent);
  }
}
