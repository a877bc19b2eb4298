/** Ordered Convex writes with bounded memory: direct while Convex keeps up, spooled to disk otherwise. */
import { systemClock, type Clock } from "../gateway/clock.js";
import { convexErrorCode } from "./convex-error.js";
import { DiskQueue, type QueuedWrite } from "./disk-queue.js";
import { DEFAULT_IN_FLIGHT_LIMITS, InFlightWindow, sizeOf, type InFlightWrite } from "./in-flight.js";
import { SpoolHealth, type SpoolStatus } from "./spool-health.js";
import { SpoolDrainer } from "./spool-drainer.js";
import type { SpoolEntry } from "./spool.js";
import { VolatileWrites } from "./volatile-writes.js";
import type { ConvexWriterOptions, FlushResult, WriteOptions } from "./writer-options.js";

export type { ConvexWriterOptions, FlushResult, WriteOptions, WriteTransport } from "./writer-options.js";

type Mode = "direct" | "spooling";

/** How often a stop re-checks whether everything was answered while it waits. */
const FLUSH_POLL_MS = 20;

/**
 * Every write the relay makes to Convex is idempotent on the server (keyed by message id, run id or
 * gateway message id), so replaying a spooled write that did arrive before a crash is harmless; the
 * writer therefore favours "at least once, in order" over bookkeeping of what exactly got through.
 *
 * Invariants: in "direct" mode the spool (file and disk queue) is empty; in "spooling" mode every
 * durable write still in flight already has a copy in the spool, ahead of everything newer. So new
 * writes go to the spool whenever it holds anything, and a drop, an overflow or a stop never has to
 * put a copy behind a newer write.
 *
 * A write's promise resolves only once it is durable: answered by Convex or fsync'd to the file. A
 * write the disk refuses (ENOSPC) waits in the disk queue, in order, retried with backoff; when
 * Convex is reachable and the file is replayed, the queue goes to Convex instead. Callers that move
 * a cursor wait for the promise, so no cursor passes a write that could still be lost.
 */
export class ConvexWriter {
  private mode: Mode = "direct";
  private readonly window: InFlightWindow;
  private readonly disk: DiskQueue;
  private readonly health: SpoolHealth;
  private readonly drainer: SpoolDrainer;
  private readonly volatile: VolatileWrites;
  /** Window ids of writes the disk refused that went to Convex instead: no copy of them is on disk. */
  private readonly sentFromQueue = new Set<number>();
  private closed = false;
  private spooledTotal = 0;
  private overflowTotal = 0;
  /** Set while an overflow episode lasts: the spooled count when it began. */
  private overflowStart: { spooled: number } | undefined;
  private readonly clock: Clock;

  constructor(private readonly options: ConvexWriterOptions) {
    this.clock = options.clock ?? systemClock;
    this.window = new InFlightWindow({
      maxWrites: options.maxInFlightWrites ?? DEFAULT_IN_FLIGHT_LIMITS.maxWrites,
      maxBytes: options.maxInFlightBytes ?? DEFAULT_IN_FLIGHT_LIMITS.maxBytes,
    });
    this.health = new SpoolHealth(options.logger, () => this.clock.now());
    this.disk = new DiskQueue({
      spool: options.spool,
      health: this.health,
      clock: this.clock,
      isMoot: (item) => item.copyOf !== undefined && this.drainer.isMootCopy(item.copyOf),
      onProgress: () => this.window.poke(),
      onLanded: (items) => {
        this.spooledTotal += items.length;
        for (const item of items) if (item.copyOf !== undefined) this.drainer.copyLanded();
      },
    });
    this.drainer = new SpoolDrainer({
      spool: options.spool,
      window: this.window,
      disk: this.disk,
      health: this.health,
      clock: this.clock,
      logger: options.logger,
      batchSize: options.drainBatchSize ?? 100,
      timeoutMs: options.drainTimeoutMs ?? 10_000,
      connected: () => options.transport.isConnected(),
      wanted: () => this.mode === "spooling" && !this.closed,
      closed: () => this.closed,
      send: (entry, bytes) => this.dispatch(entry, bytes, { durable: true, settle: () => undefined }),
      sendQueued: () => this.sendQueued(),
      switchToDirect: () => {
        this.mode = "direct";
      },
      finished: (replayed) => this.finishedReplay(replayed),
    });
    this.volatile = new VolatileWrites({
      canSend: (bytes) => options.transport.isConnected() && this.window.fits(bytes),
      send: (entry, bytes, settle) => void this.dispatch(entry, bytes, { durable: false, settle }),
    });
  }

  private now(): number {
    return this.clock.now();
  }

  /** Entries written to the spool file since start (for status and benchmarks); failed appends don't count. */
  get spooledWrites(): number {
    return this.spooledTotal;
  }

  /** Times Convex fell so far behind while connected that writes overflowed to the spool. */
  get overflowEvents(): number {
    return this.overflowTotal;
  }

  /** Whether the spool works, and how many durable writes wait in memory because it does not. */
  get spoolStatus(): SpoolStatus {
    return this.health.status(this.disk.length);
  }

  /** Call once at start: a spool left by an earlier process is replayed before anything new. */
  async start(): Promise<void> {
    if ((await this.options.spool.size()) > 0) {
      this.mode = "spooling";
      this.options.logger.info("replaying writes spooled by an earlier run");
      if (this.options.transport.isConnected()) this.drainer.kick();
    }
  }

  /**
   * Queues a write. The promise resolves once it is durable: answered by Convex (or refused for
   * good, which is logged), or fsync'd to the spool. Callers that advance a cursor wait for it.
   */
  write(fn: string, args: Record<string, unknown>, options: WriteOptions = {}): Promise<void> {
    const entry: SpoolEntry = { fn, args, at: this.now() };
    if (options.durable === false) return this.volatile.write(entry, !this.closed);
    if (this.mode === "direct" && this.options.transport.isConnected()) {
      const bytes = sizeOf(args);
      if (this.window.fits(bytes)) {
        return new Promise((resolve) => void this.dispatch(entry, bytes, { durable: true, settle: resolve }));
      }
      return this.startOverflow(entry);
    }
    this.enterSpooling();
    return new Promise((resolve) => this.disk.push([{ entry, settle: resolve }]));
  }

  /** The transport reports every connection change here. */
  connectionChanged(connected: boolean): void {
    this.window.poke();
    if (!connected) {
      this.enterSpooling();
      return;
    }
    this.volatile.sendWaiting();
    if (this.mode === "spooling") this.drainer.kick();
  }

  /**
   * Waits until nothing is in flight and the spool is drained, at most `timeoutMs`. Whatever is
   * still in flight then is copied to the spool, so a clean stop loses nothing either way.
   */
  async flush(timeoutMs: number): Promise<FlushResult> {
    // The clock's timers do not hold the process open (a pending retry must not keep a finished relay alive);
    // a stop must not end half-flushed because nothing else happens to, so this holds it until the flush is done.
    const hold = setInterval(() => undefined, 60_000);
    try {
      return await this.flushWithin(timeoutMs);
    } finally {
      clearInterval(hold);
    }
  }

  private async flushWithin(timeoutMs: number): Promise<FlushResult> {
    const deadline = this.now() + timeoutMs;
    while (this.now() < deadline) {
      if (this.window.size === 0 && this.mode === "direct" && !this.disk.pending) return this.close({ drained: true, unsaved: 0 });
      // Offline with every unanswered write already on disk: waiting can gain nothing.
      if (this.mode === "spooling" && !this.options.transport.isConnected() && !this.disk.pending) break;
      await new Promise<void>((resolve) => this.clock.setTimeout(resolve, Math.min(FLUSH_POLL_MS, deadline - this.now())));
    }
    if (this.mode === "direct") {
      this.mode = "spooling";
      const copied = this.window.values().filter((item) => item.durable).length;
      if (copied > 0) this.options.logger.info("stopping: copied unanswered writes to the spool", { inFlight: copied });
      this.spillInFlight([]);
    }
    // One last try for writes the disk refused so far; what is still refused then is lost with the process.
    await this.disk.finish();
    return this.close({ drained: false, unsaved: this.disk.abandon() + this.sentFromQueue.size });
  }

  private close(result: FlushResult): FlushResult {
    this.closed = true;
    this.disk.stop();
    this.drainer.stop();
    return result;
  }

  /** Hands one write to the transport inside the window; resolves once it is answered or refused. */
  private dispatch(entry: SpoolEntry, bytes: number, item: Pick<InFlightWrite, "durable" | "settle">, onSent?: (id: number) => void): Promise<void> {
    const sent = this.window.add({ entry, bytes, ...item });
    onSent?.(sent.id);
    const finished = (refusal?: { error: unknown }) => {
      this.drainer.answered(sent.id);
      this.sentFromQueue.delete(sent.id);
      this.window.remove(sent.id);
      if (refusal) this.rejected(entry.fn, refusal.error);
      sent.settle();
      this.volatile.sendWaiting();
    };
    return this.options.transport.mutation(entry.fn, this.options.withCredential(entry.args)).then(
      () => finished(),
      (error: unknown) => finished({ error }),
    );
  }

  private rejected(fn: string, error: unknown): void {
    const code = convexErrorCode(error);
    this.options.logger.warn("Convex refused a write; dropped", { fn, code: code ?? "unknown" });
    this.options.onRejected?.(fn, error);
  }

  private startOverflow(entry: SpoolEntry): Promise<void> {
    this.mode = "spooling";
    this.overflowTotal += 1;
    this.overflowStart = { spooled: this.spooledTotal };
    this.options.logger.info("Convex is answering slowly: overflowing writes to the spool", {
      inFlight: this.window.size,
      inFlightBytes: this.window.bytes,
    });
    const done = new Promise<void>((resolve) => this.spillInFlight([{ entry, settle: resolve }]));
    this.drainer.kick();
    return done;
  }

  private enterSpooling(): void {
    if (this.mode === "spooling") return;
    this.mode = "spooling";
    const copied = this.window.values().filter((item) => item.durable).length;
    this.options.logger.info("Convex unreachable: spooling writes to disk", { inFlight: copied });
    this.spillInFlight([]);
  }

  /**
   * Leaving direct mode: writes already sent may never be answered (the socket died) or the process
   * may stop first, so each gets a durable copy ahead of `after`, in send order. Only called in
   * direct mode, where the spool is empty: the copies are its first entries, and the drain skips
   * the ones on disk once their originals are answered (copies still queued then are dropped).
   * A copy on disk settles its caller early: the write is durable either way.
   */
  private spillInFlight(after: QueuedWrite[]): void {
    const copies = this.window.values().filter((item) => item.durable);
    for (const item of copies) this.sentFromQueue.delete(item.id); // its copy is queued for the disk now
    this.drainer.copying(copies.map((item) => item.id));
    this.disk.push([...copies.map((item) => ({ entry: item.entry, settle: item.settle, copyOf: item.id })), ...after]);
  }

  /**
   * The file is replayed but the disk refuses what is queued for it: Convex takes those writes
   * instead, in order, within the window. Each settles when answered. False if none could go.
   */
  private sendQueued(): boolean {
    const taken = this.disk.take((entries) => this.window.fitCount(entries.map((entry) => sizeOf(entry.args))));
    for (const item of taken) {
      void this.dispatch(item.entry, sizeOf(item.entry.args), { durable: true, settle: item.settle }, (id) => this.sentFromQueue.add(id));
    }
    if (taken.length > 0 && this.disk.length === 0 && this.health.isFailing("write")) {
      this.health.recovered("write", { sentToConvex: taken.length }, "writes held in memory went to Convex; the spool file was still not writable");
    }
    return taken.length > 0;
  }

  private finishedReplay(replayed: number): void {
    const overflow = this.overflowStart;
    this.overflowStart = undefined;
    if (overflow) {
      this.options.logger.info("Convex caught up: overflow ended; writing directly again", {
        spooled: this.spooledTotal - overflow.spooled,
        replayed,
        peakInFlight: this.window.peakSize,
      });
    } else {
      this.options.logger.info("spool replayed; writing to Convex directly again", { replayed });
    }
  }
}
