/** How long to wait before the next connect attempt, given why the last one ended (pure; random and clock injected). */

export interface ReconnectPolicyOptions {
  /** First delay after a drop; doubles per consecutive failure. */
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
  /** Each delay is spread over ±jitterRatio of itself, so many relays don't reconnect in lockstep. */
  jitterRatio: number;
  /** After an auth failure: wait this long, doubling per repeat up to authMaxDelayMs. Never a tight loop. */
  authDelayMs: number;
  authMaxDelayMs: number;
  /** After a `shutdown` event the Gateway is restarting: poll at this short interval… */
  shutdownDelayMs: number;
  /** …for this long past the announced restart time, then fall back to normal backoff. */
  shutdownWindowMs: number;
  random: () => number;
}

export const DEFAULT_RECONNECT_POLICY: ReconnectPolicyOptions = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitterRatio: 0.2,
  authDelayMs: 60_000,
  authMaxDelayMs: 10 * 60_000,
  shutdownDelayMs: 1_000,
  shutdownWindowMs: 60_000,
  random: Math.random,
};

/** Why the previous attempt or connection ended. */
export type DisconnectCause =
  /** Socket closed or failed, liveness timeout, connect attempt timed out. */
  | { kind: "dropped" }
  /** The Gateway said "try again" (e.g. UNAVAILABLE during startup) and may say when. */
  | { kind: "retryable"; retryAfterMs?: number }
  /** The Gateway announced a shutdown (restart); it will be back shortly. */
  | { kind: "shutdown"; restartExpectedMs?: number }
  /** Credentials, pairing or scopes: a person must act; retrying soon only adds noise (and rate limits). */
  | { kind: "auth-failed" }
  /** Bad URL or incompatible protocol: same treatment as auth. */
  | { kind: "fatal" };

export class ReconnectPolicy {
  private readonly opts: ReconnectPolicyOptions;
  private failures = 0;
  private authFailures = 0;
  private shutdownUntil = 0;

  constructor(options: Partial<ReconnectPolicyOptions> = {}) {
    this.opts = { ...DEFAULT_RECONNECT_POLICY, ...options };
  }

  /** A hello-ok: the next drop starts again from the initial delay. */
  reset(): void {
    this.failures = 0;
    this.authFailures = 0;
    this.shutdownUntil = 0;
  }

  /** The delay before the next attempt; also records the failure. */
  nextDelay(cause: DisconnectCause, now: number): number {
    const o = this.opts;
    switch (cause.kind) {
      case "auth-failed":
      case "fatal": {
        const base = Math.min(o.authMaxDelayMs, o.authDelayMs * o.multiplier ** this.authFailures);
        this.authFailures += 1;
        this.failures += 1;
        // Only ever later than the base: the floor is the promise ("at least 60 s").
        return Math.round(base * (1 + o.jitterRatio * o.random()));
      }
      case "shutdown": {
        const expected = Math.max(0, cause.restartExpectedMs ?? 0);
        this.failures = 0;
        this.shutdownUntil = now + expected + o.shutdownWindowMs;
        const first = expected > 0 ? Math.min(expected, o.maxDelayMs) : o.shutdownDelayMs;
        return this.spread(first);
      }
      case "retryable": {
        this.failures += 1;
        if (cause.retryAfterMs !== undefined) {
          // Honour the server's hint: never sooner, a little later so a crowd spreads out.
          const hint = Math.min(Math.max(0, cause.retryAfterMs), o.authMaxDelayMs);
          return Math.round(hint + hint * o.jitterRatio * o.random());
        }
        return this.exponential();
      }
      case "dropped": {
        if (now < this.shutdownUntil) return this.spread(o.shutdownDelayMs);
        this.failures += 1;
        return this.exponential();
      }
    }
  }

  /** Consecutive failed attempts since the last hello-ok. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  private exponential(): number {
    const o = this.opts;
    const base = Math.min(o.maxDelayMs, o.initialDelayMs * o.multiplier ** Math.max(0, this.failures - 1));
    return Math.min(o.maxDelayMs, this.spread(base));
  }

  private spread(base: number): number {
    const o = this.opts;
    const factor = 1 - o.jitterRatio + 2 * o.jitterRatio * o.random();
    return Math.max(0, Math.round(base * factor));
  }
}
