/** How many sessions the relay drives at once: a session holds a slot while it sends and until the runs it started end. */
import { systemClock, type Clock, type TimerHandle } from "../gateway/clock.js";

/** The highest `relay.maxConcurrentSessions`, owned by the config schema (the benchmark runs the relay with it). */
export { MAX_CONCURRENT_SESSIONS_SETTING } from "../config/schema.js";

/** Default cap on sessions with a relay-started agent run (or a send) in progress; `relay.maxConcurrentSessions`. */
export const MAX_CONCURRENT_SESSIONS = 4;
/** A run whose end the relay never saw stops holding its session's slot after this long. */
export const RUN_SLOT_TIMEOUT_MS = 10 * 60_000;

interface Holder {
  sending: boolean;
  runs: Map<string, TimerHandle>;
}

export class SessionSlots {
  private readonly holders = new Map<string, Holder>();

  constructor(
    private readonly limit: number,
    /** Called after a slot is given back, so waiting sessions can take it. */
    private readonly onFree: () => void,
    private readonly clock: Clock = systemClock,
    private readonly runTimeoutMs = RUN_SLOT_TIMEOUT_MS,
  ) {}

  /** Takes (or keeps) the session's slot for a send; false when every slot is held by other sessions. */
  acquire(sessionKey: string): boolean {
    const holder = this.holders.get(sessionKey);
    if (holder) {
      holder.sending = true;
      return true;
    }
    if (this.holders.size >= this.limit) return false;
    this.holders.set(sessionKey, { sending: true, runs: new Map() });
    return true;
  }

  /** The Gateway started run `runId` for the session: its slot stays held until the run ends. */
  started(sessionKey: string, runId: string): void {
    const holder = this.holders.get(sessionKey);
    if (!holder || holder.runs.has(runId)) return;
    holder.runs.set(runId, this.clock.setTimeout(() => this.runEnded(runId), this.runTimeoutMs));
  }

  /** The session's sends are done for now; the slot is given back unless a run it started goes on. */
  doneSending(sessionKey: string): void {
    const holder = this.holders.get(sessionKey);
    if (!holder) return;
    holder.sending = false;
    this.releaseIfIdle(sessionKey, holder);
  }

  /** A run ended (final, error or aborted event); unknown run ids are ignored. */
  runEnded(runId: string): void {
    for (const [sessionKey, holder] of this.holders) {
      const timer = holder.runs.get(runId);
      if (timer === undefined) continue;
      this.clock.clearTimeout(timer);
      holder.runs.delete(runId);
      this.releaseIfIdle(sessionKey, holder);
      return;
    }
  }

  /** Gateway events are not replayed after a reconnect, so the ends of runs in progress would never be seen. */
  forgetRuns(): void {
    for (const [sessionKey, holder] of this.holders) {
      for (const timer of holder.runs.values()) this.clock.clearTimeout(timer);
      holder.runs.clear();
      this.releaseIfIdle(sessionKey, holder, false);
    }
    this.onFree();
  }

  private releaseIfIdle(sessionKey: string, holder: Holder, notify = true): void {
    if (holder.sending || holder.runs.size > 0) return;
    this.holders.delete(sessionKey);
    if (notify) this.onFree();
  }
}
