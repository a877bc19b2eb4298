/** Keeps runtime.json current for `status`: written on every change and every RUNTIME_REFRESH_MS, one write at a time. */
import type { Clock, TimerHandle } from "../gateway/clock.js";
import { RUNTIME_REFRESH_MS, writeRuntimeState, type RuntimeState } from "./runtime-state.js";

export interface RuntimeReporterOptions {
  file: string;
  /** The state as of now; called when a write starts, so a queued write carries the newest state. */
  snapshot: () => RuntimeState;
  /** A failed write (the next refresh tries again). */
  onError: (error: unknown) => void;
  clock?: Clock;
}

/**
 * Ref'd timers, as the interval this replaces was: the relay runs until a signal ends it, and the
 * heartbeat must keep beating while everything else waits on unref'd reconnect timers.
 */
const refClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class RuntimeReporter {
  private readonly clock: Clock;
  /** The write running now. */
  private inFlight: Promise<void> | undefined;
  /** At most one write waits for it; every save() meanwhile shares it. */
  private queued: Promise<void> | undefined;
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(private readonly options: RuntimeReporterOptions) {
    this.clock = options.clock ?? refClock;
  }

  /** Writes the first state, then refreshes it every RUNTIME_REFRESH_MS (the heartbeat `status` checks). */
  async start(): Promise<void> {
    await this.save();
    this.arm();
  }

  /**
   * Resolves once a write that started after this call has landed (or failed and was reported).
   * Writes never overlap, so an older snapshot can't land after a newer one.
   */
  save(): Promise<void> {
    if (this.stopped) return this.idle();
    if (this.queued) return this.queued;
    if (!this.inFlight) return this.begin();
    const queued = this.inFlight.then(() => {
      this.queued = undefined;
      return this.begin();
    });
    this.queued = queued;
    return queued;
  }

  /** Resolves when no write is running or waiting. */
  async idle(): Promise<void> {
    while (this.queued ?? this.inFlight) await (this.queued ?? this.inFlight);
  }

  /** Ends the refresh and writes `final` last (e.g. the state saying it is no longer connected). */
  async stop(final?: RuntimeState): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.idle();
    if (final) await writeRuntimeState(this.options.file, final).catch((error: unknown) => this.options.onError(error));
  }

  private begin(): Promise<void> {
    const write = writeRuntimeState(this.options.file, this.options.snapshot())
      .catch((error: unknown) => this.options.onError(error))
      .finally(() => {
        if (this.inFlight === write) this.inFlight = undefined;
      });
    this.inFlight = write;
    return write;
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.arm();
      void this.save();
    }, RUNTIME_REFRESH_MS);
  }
}
