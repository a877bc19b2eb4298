/** Notices every commit to the in-memory database (client writes, actions, scheduled functions) by its timestamp. */

export interface WriteWatcherOptions {
  /** Reads the latest commit timestamp. */
  readTs: () => Promise<bigint>;
  /** Called with the new timestamp after it moved. */
  onChange: (ts: bigint) => void;
  /** How often to look for writes nobody told us about (scheduled functions, actions' nested mutations). */
  pollIntervalMs: number;
  onError: (error: unknown) => void;
}

/**
 * convex-test has no change feed, but every top-level commit advances the snapshot timestamp,
 * so one cheap read tells whether anything was written. Client-initiated calls ask for a check
 * right away; the poll covers writes made outside any client request.
 */
export class WriteWatcher {
  private lastTs: bigint | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: WriteWatcherOptions) {}

  start(): void {
    if (this.timer !== undefined || this.options.pollIntervalMs <= 0) return;
    this.timer = setInterval(() => void this.check(), this.options.pollIntervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The timestamp seen by the last completed check. */
  get ts(): bigint {
    return this.lastTs ?? 0n;
  }

  /** Reads the timestamp now; concurrent requests coalesce into at most one extra read. */
  check(): Promise<void> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          const ts = await this.options.readTs();
          if (this.lastTs === undefined) {
            this.lastTs = ts;
          } else if (ts !== this.lastTs) {
            this.lastTs = ts;
            this.options.onChange(ts);
          }
        } catch (error) {
          this.options.onError(error);
        }
      } while (this.again);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }
}
