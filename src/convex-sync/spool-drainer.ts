/** Drains the spool to Convex while the link is up: skips copies of writes answered meanwhile, replays the rest, backs off after a failure. */
import type { Clock, TimerHandle } from "../gateway/clock.js";
import { ReconnectPolicy } from "../gateway/reconnect-policy.js";
import type { Logger } from "../logging/logger.js";
import { SPOOL_RETRY, type DiskQueue } from "./disk-queue.js";
import type { InFlightWindow } from "./in-flight.js";
import type { SpoolHealth } from "./spool-health.js";
import { offsetAfter, replaySpool } from "./spool-replay.js";
import type { Spool, SpoolEntry } from "./spool.js";

export interface SpoolDrainerOptions {
  spool: Spool;
  window: InFlightWindow;
  disk: DiskQueue;
  health: SpoolHealth;
  clock: Clock;
  logger: Logger;
  batchSize: number;
  /** A replayed batch unanswered this long while the link is down is abandoned and resent later. */
  timeoutMs: number;
  connected: () => boolean;
  /** The writer still spools and is not closed: a drain that ended should be tried again. */
  wanted: () => boolean;
  closed: () => boolean;
  /** Sends one spooled write through the writer's window; resolves once answered or refused. */
  send: (entry: SpoolEntry, bytes: number) => Promise<void>;
  /** Sends writes the disk refused straight to Convex, in order; false if none could go now. */
  sendQueued: () => boolean;
  /** Runs inside the spool's exclusive section, right after truncation: the writer writes directly again. */
  switchToDirect: () => void;
  finished: (replayed: number) => void;
}

/**
 * Also keeps the books on the spool's leading copies: writes still in flight when the writer left
 * direct mode were copied to the head of the spool; once all of them are answered, the drain skips
 * those copies instead of sending them again.
 */
export class SpoolDrainer {
  private draining: Promise<void> | undefined;
  private retry: TimerHandle | undefined;
  private readonly backoff = new ReconnectPolicy({ ...SPOOL_RETRY, random: Math.random });
  /** In-flight writes whose copies lead the spool. */
  private readonly prefixPending = new Set<number>();
  /** How many of those copies are on disk so far. */
  private prefixLength = 0;
  /** Spool bytes already answered in this process; replay resumes there rather than from the start. */
  private drainedOffset = 0;

  constructor(private readonly options: SpoolDrainerOptions) {}

  /** Leaving direct mode: these in-flight writes get copies at the head of the (empty) spool. */
  copying(ids: readonly number[]): void {
    for (const id of ids) this.prefixPending.add(id);
    this.prefixLength = 0; // counts the copies as they land on disk
  }

  copyLanded(): void {
    this.prefixLength += 1;
  }

  answered(id: number): void {
    this.prefixPending.delete(id);
  }

  /** A copy whose original was answered before the copy reached the disk need not be written. */
  isMootCopy(id: number): boolean {
    return !this.prefixPending.has(id);
  }

  kick(): void {
    if (this.draining || this.retry || this.options.closed()) return;
    let failed = false;
    this.draining = this.drain()
      .then(
        () => {
          this.options.health.recovered("replay");
          this.backoff.reset();
        },
        (error: unknown) => {
          failed = true;
          this.options.health.failed("replay", error, this.options.disk.length);
        },
      )
      .finally(() => {
        this.draining = undefined;
        if (!this.options.wanted() || !this.options.connected()) return;
        // A failed attempt backs off (up to 30 s); one that gave up on a link that is back retries soon.
        const delay = failed ? this.backoff.nextDelay({ kind: "dropped" }, this.options.clock.now()) : SPOOL_RETRY.initialDelayMs;
        this.retry = this.options.clock.setTimeout(() => {
          this.retry = undefined;
          this.kick();
        }, delay);
      });
  }

  stop(): void {
    if (this.retry) this.options.clock.clearTimeout(this.retry);
    this.retry = undefined;
  }

  private async drain(): Promise<void> {
    const { connected, window, disk, spool } = this.options;
    // Nothing from the spool goes out before the writes sent ahead of it are answered, and the
    // count of their copies on disk is final only once no append is under way.
    while (this.prefixPending.size > 0 || disk.appending) {
      if (!connected()) return;
      await window.changed();
    }
    if (this.prefixLength > 0) {
      // All answered (or refused for good): resending their copies would only repeat them.
      const skip = this.prefixLength;
      const offset = await offsetAfter(spool, skip, window.limits.maxBytes);
      if (this.prefixLength === skip && this.drainedOffset === 0) this.drainedOffset = offset;
      this.prefixLength = 0;
    }
    const outcome = await replaySpool({
      spool,
      window,
      logger: this.options.logger,
      clock: this.options.clock,
      batchSize: this.options.batchSize,
      timeoutMs: this.options.timeoutMs,
      connected,
      send: this.options.send,
      offset: { get: () => this.drainedOffset, set: (offset) => (this.drainedOffset = offset) },
      appending: () => disk.pending,
      sendQueued: this.options.sendQueued,
      switchToDirect: this.options.switchToDirect,
    });
    if (outcome.switched) this.options.finished(outcome.replayed);
  }
}
