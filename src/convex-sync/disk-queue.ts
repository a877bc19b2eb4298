/** Durable writes on their way into the spool file: one append at a time, in order, retried until the disk takes them. */
import type { Clock, TimerHandle } from "../gateway/clock.js";
import { ReconnectPolicy } from "../gateway/reconnect-policy.js";
import type { SpoolHealth } from "./spool-health.js";
import type { Spool, SpoolEntry } from "./spool.js";

/** A durable write that is neither on disk nor answered by Convex yet. */
export interface QueuedWrite {
  entry: SpoolEntry;
  /** Resolves the caller's promise: called once the write is on disk (or answered by Convex). */
  settle: () => void;
  /** For a copy of a write still in flight: its window id. Once that is answered the copy is moot. */
  copyOf?: number;
}

/** Retry delays for a spool that can't be written (ENOSPC, EIO): quick at first, then every 30 s. */
export const SPOOL_RETRY = { initialDelayMs: 250, maxDelayMs: 30_000 } as const;

export interface DiskQueueOptions {
  spool: Spool;
  health: SpoolHealth;
  clock: Clock;
  /** Copies whose original was answered meanwhile: dropped instead of written. */
  isMoot: (item: QueuedWrite) => boolean;
  /** After every attempt, failed or not: waiters re-check their conditions. */
  onProgress: () => void;
  /** Writes that reached the disk, in order (already settled). */
  onLanded: (items: readonly QueuedWrite[]) => void;
}

/**
 * Every write here waits in memory until an fsync'd append holds it; a failed append leaves it
 * queued, in place, and is retried with backoff, so nothing behind it can reach the file first.
 * Appends are group commits: everything queued while one is written goes out with the next.
 */
export class DiskQueue {
  private readonly items: QueuedWrite[] = [];
  private busy = false;
  private pump: Promise<void> = Promise.resolve();
  private running = false;
  private sleeping: { handle: TimerHandle; wake: () => void } | undefined;
  private stopped = false;
  private readonly retry: ReconnectPolicy;

  constructor(private readonly options: DiskQueueOptions) {
    this.retry = new ReconnectPolicy({ ...SPOOL_RETRY, random: Math.random });
  }

  get length(): number {
    return this.items.length;
  }

  /** True while anything is queued or being appended: the spool file is not complete yet. */
  get pending(): boolean {
    return this.items.length > 0 || this.busy;
  }

  /** An append is under way (its batch is a snapshot of the front). */
  get appending(): boolean {
    return this.busy;
  }

  push(items: readonly QueuedWrite[]): void {
    if (items.length === 0) return;
    this.items.push(...items);
    this.start();
  }

  /**
   * While the disk refuses writes, Convex may take them instead: hands out up to `fit` writes from the
   * front (in order), never while an append is under way (it holds a snapshot of the front).
   */
  take(fit: (entries: readonly SpoolEntry[]) => number): QueuedWrite[] {
    if (this.busy || !this.options.health.isFailing("write")) return [];
    this.dropMoot();
    const count = fit(this.items.map((item) => item.entry));
    return this.items.splice(0, count);
  }

  /** For a stop: one last attempt at once for what is queued, no retries after it. */
  async finish(): Promise<void> {
    this.stopped = true;
    this.sleeping?.wake();
    if (this.items.length > 0) this.start();
    while (this.running) await this.pump;
  }

  /** No more retries after the current attempt: the process is stopping. */
  stop(): void {
    this.stopped = true;
    this.sleeping?.wake();
  }

  /** Removes what was left unwritten (at stop) and returns how many writes that was. */
  abandon(): number {
    this.dropMoot();
    return this.items.splice(0).length;
  }

  private start(): void {
    if (this.running) return;
    this.running = true;
    this.pump = this.run();
  }

  private async run(): Promise<void> {
    try {
      await this.writeAll();
    } finally {
      this.running = false;
    }
    // A write pushed by a caller woken by the last batch found this run still going: pick it up.
    if (this.items.length > 0 && !this.stopped) this.start();
  }

  private async writeAll(): Promise<void> {
    while (this.items.length > 0) {
      this.dropMoot();
      const batch = this.items.slice();
      if (batch.length === 0) break;
      this.busy = true;
      let failure: { error: unknown } | undefined;
      try {
        await this.options.spool.append(batch.map((item) => item.entry));
      } catch (error) {
        failure = { error };
      }
      this.busy = false;
      if (failure) {
        this.options.health.failed("write", failure.error, this.items.length);
        this.options.onProgress();
        if (this.stopped) return;
        await this.sleep(this.retry.nextDelay({ kind: "dropped" }, this.options.clock.now()));
        continue;
      }
      // Nobody takes from the front while an append is under way, so the batch is still there.
      this.items.splice(0, batch.length);
      this.retry.reset();
      this.options.health.recovered("write", { written: batch.length, stillQueued: this.items.length });
      for (const item of batch) item.settle();
      this.options.onLanded(batch);
      this.options.onProgress();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        if (this.sleeping?.wake !== wake) return;
        this.options.clock.clearTimeout(this.sleeping.handle);
        this.sleeping = undefined;
        resolve();
      };
      this.sleeping = { handle: this.options.clock.setTimeout(wake, ms), wake };
    });
  }

  private dropMoot(): void {
    for (let index = this.items.length - 1; index >= 0; index -= 1) {
      if (this.options.isMoot(this.items[index]!)) this.items.splice(index, 1);
    }
  }
}
