/** Ordered Convex writes with bounded memory: direct while Convex keeps up, spooled to disk otherwise. */
import type { Logger } from "../logging/logger.js";
import { DEFAULT_IN_FLIGHT_LIMITS, InFlightWindow, sizeOf, type InFlightWrite } from "./in-flight.js";
import { offsetAfter, replaySpool } from "./spool-replay.js";
import type { Spool, SpoolEntry } from "./spool.js";

/** What the writer needs from a Convex client; the real one wraps `ConvexClient`. */
export interface WriteTransport {
  mutation(fn: string, args: Record<string, unknown>): Promise<unknown>;
  isConnected(): boolean;
}

export interface WriteOptions {
  /** Writes that are only worth sending now (presence) are dropped rather than spooled. */
  durable?: boolean;
}

export interface ConvexWriterOptions {
  transport: WriteTransport;
  spool: Spool;
  /** Adds the credential at send time, so neither the spool nor the queue ever holds it. */
  withCredential: (args: Record<string, unknown>) => Record<string, unknown>;
  logger: Logger;
  now?: () => number;
  /** A drain batch unanswered this long while the link is down is abandoned and resent later. */
  drainTimeoutMs?: number;
  drainBatchSize?: number;
  /** Unanswered writes allowed at once (default 256); past it, durable writes overflow to the spool. */
  maxInFlightWrites?: number;
  /** Same, in approximate bytes: JSON length of the arguments (default 4 MiB). */
  maxInFlightBytes?: number;
  /** Called when Convex refuses a write for good (bad credential, bad data): it is dropped. */
  onRejected?: (fn: string, error: unknown) => void;
}

type Mode = "direct" | "spooling";

/**
 * Every write the relay makes to Convex is idempotent on the server (keyed by message id, run id or
 * gateway message id), so replaying a spooled write that did arrive before a crash is harmless; the
 * writer therefore favours "at least once, in order" over bookkeeping of what exactly got through.
 *
 * Invariants: in "direct" mode the spool is empty; in "spooling" mode every durable write still in
 * flight already has a copy in the spool, ahead of everything newer. So new writes go to the spool
 * whenever it holds anything, and a drop, an overflow or a stop never has to put a copy behind a
 * newer write.
 */
export class ConvexWriter {
  private mode: Mode = "direct";
  private readonly window: InFlightWindow;
  private pendingAppends = 0;
  private lastAppend: Promise<boolean> = Promise.resolve(true);
  private draining: Promise<void> | undefined;
  private spooledTotal = 0;
  private overflowTotal = 0;
  /** Set while an overflow episode lasts: the spooled count when it began. */
  private overflowStart: { spooled: number } | undefined;
  /** In-flight writes whose copies lead the spool: once all are answered the drain skips the copies. */
  private readonly prefixPending = new Set<number>();
  private prefixLength = 0;
  /** Spool bytes already answered in this process; replay resumes there rather than from the start. */
  private drainedOffset = 0;
  private readonly now: () => number;

  constructor(private readonly options: ConvexWriterOptions) {
    this.now = options.now ?? Date.now;
    this.window = new InFlightWindow({
      maxWrites: options.maxInFlightWrites ?? DEFAULT_IN_FLIGHT_LIMITS.maxWrites,
      maxBytes: options.maxInFlightBytes ?? DEFAULT_IN_FLIGHT_LIMITS.maxBytes,
    });
  }

  /** Entries written to the spool since start (for status and benchmarks). */
  get spooledWrites(): number {
    return this.spooledTotal;
  }

  /** Times Convex fell so far behind while connected that writes overflowed to the spool. */
  get overflowEvents(): number {
    return this.overflowTotal;
  }

  /** The most writes, and approximate bytes, that were ever unanswered at once. */
  get peakInFlight(): { writes: number; bytes: number } {
    return { writes: this.window.peakSize, bytes: this.window.peakBytes };
  }

  get inFlight(): { writes: number; bytes: number } {
    return { writes: this.window.size, bytes: this.window.bytes };
  }

  get isSpooling(): boolean {
    return this.mode === "spooling";
  }

  get isOverflowing(): boolean {
    return this.overflowStart !== undefined;
  }

  /** Call once at start: a spool left by an earlier process is replayed before anything new. */
  async start(): Promise<void> {
    if ((await this.options.spool.size()) > 0) {
      this.mode = "spooling";
      this.options.logger.info("replaying writes spooled by an earlier run");
      if (this.options.transport.isConnected()) this.kickDrain();
    }
  }

  /**
   * Queues a write. The promise resolves once it is durable: answered by Convex (or refused for
   * good, which is logged), or fsync'd to the spool. Callers that advance a cursor wait for it.
   */
  write(fn: string, args: Record<string, unknown>, options: WriteOptions = {}): Promise<void> {
    const entry: SpoolEntry = { fn, args, at: this.now() };
    const durable = options.durable ?? true;
    if (this.mode === "direct" && this.options.transport.isConnected()) {
      const bytes = sizeOf(args);
      if (this.window.fits(bytes)) {
        return new Promise((resolve) => void this.dispatch(entry, bytes, { durable, settle: resolve }));
      }
      if (!durable) return Promise.resolve();
      return this.startOverflow(entry);
    }
    if (!durable) return Promise.resolve();
    this.enterSpooling();
    return this.appendToSpool([entry]).then(() => undefined);
  }

  /** The transport reports every connection change here. */
  connectionChanged(connected: boolean): void {
    this.window.poke();
    if (!connected) {
      this.enterSpooling();
      return;
    }
    if (this.mode === "spooling") this.kickDrain();
  }

  /**
   * Waits until nothing is in flight and the spool is drained, at most `timeoutMs`. Whatever is
   * still in flight then is copied to the spool, so a clean stop loses nothing either way.
   */
  async flush(timeoutMs: number): Promise<{ drained: boolean }> {
    const deadline = this.now() + timeoutMs;
    while (this.now() < deadline) {
      if (this.window.size === 0 && this.mode === "direct" && this.pendingAppends === 0) return { drained: true };
      // Offline with every unanswered write already on disk: waiting can gain nothing.
      if (this.mode === "spooling" && !this.options.transport.isConnected() && this.pendingAppends === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (this.mode === "direct") {
      this.mode = "spooling";
      const copied = this.window.values().filter((item) => item.durable).length;
      if (copied > 0) this.options.logger.info("stopping: copied unanswered writes to the spool", { inFlight: copied });
      await this.spillInFlight([]);
    }
    await this.lastAppend;
    return { drained: false };
  }

  /** Hands one write to the transport inside the window; resolves once it is answered or refused. */
  private dispatch(entry: SpoolEntry, bytes: number, item: Pick<InFlightWrite, "durable" | "settle">): Promise<void> {
    const sent = this.window.add({ entry, bytes, ...item });
    const finished = (refusal?: { error: unknown }) => {
      this.prefixPending.delete(sent.id);
      this.window.remove(sent.id);
      if (refusal) this.rejected(entry.fn, refusal.error);
      sent.settle();
    };
    return this.options.transport.mutation(entry.fn, this.options.withCredential(entry.args)).then(
      () => finished(),
      (error: unknown) => finished({ error }),
    );
  }

  private rejected(fn: string, error: unknown): void {
    const code = errorCode(error);
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
    const done = this.spillInFlight([entry]);
    this.kickDrain();
    return done;
  }

  private enterSpooling(): void {
    if (this.mode === "spooling") return;
    this.mode = "spooling";
    const copied = this.window.values().filter((item) => item.durable).length;
    this.options.logger.info("Convex unreachable: spooling writes to disk", { inFlight: copied });
    void this.spillInFlight([]);
  }

  /**
   * Leaving direct mode: writes already sent may never be answered (the socket died) or the process
   * may stop first, so each gets a durable copy ahead of `after`, in send order. Only called in
   * direct mode, where the spool is empty: the copies are its first entries, and the drain skips
   * them once their originals are answered.
   */
  private spillInFlight(after: SpoolEntry[]): Promise<void> {
    const copies = this.window.values().filter((item) => item.durable);
    for (const item of copies) this.prefixPending.add(item.id);
    this.prefixLength = copies.length;
    return this.appendToSpool([...copies.map((item) => item.entry), ...after]).then((ok) => {
      if (!ok) this.prefixLength = 0; // not on disk after all: nothing to skip
      for (const item of copies) item.settle();
    });
  }

  private appendToSpool(entries: SpoolEntry[]): Promise<boolean> {
    if (entries.length === 0) return Promise.resolve(true);
    this.pendingAppends += 1;
    this.spooledTotal += entries.length;
    this.lastAppend = this.options.spool.append(entries).then(
      () => {
        this.pendingAppends -= 1;
        return true;
      },
      (error: unknown) => {
        this.pendingAppends -= 1;
        this.options.logger.error("could not write the spool", { error: String(error) });
        return false;
      },
    );
    return this.lastAppend;
  }

  private kickDrain(): void {
    if (this.draining) return;
    this.draining = this.drain()
      .catch((error: unknown) => {
        this.options.logger.error("spool replay failed", { error: String(error) });
      })
      .finally(() => {
        this.draining = undefined;
        // Connected again while the last attempt was giving up: try once more.
        if (this.mode === "spooling" && this.options.transport.isConnected()) {
          setTimeout(() => this.kickDrain(), 250).unref();
        }
      });
  }

  private async drain(): Promise<void> {
    const connected = () => this.options.transport.isConnected();
    // Nothing from the spool goes out before the writes sent ahead of it are answered.
    while (this.prefixPending.size > 0) {
      if (!connected()) return;
      await this.window.changed();
    }
    if (this.prefixLength > 0) {
      // All answered (or refused for good): resending their copies would only repeat them.
      const skip = this.prefixLength;
      const offset = await offsetAfter(this.options.spool, skip, this.window.limits.maxBytes);
      if (this.prefixLength === skip && this.drainedOffset === 0) this.drainedOffset = offset;
      this.prefixLength = 0;
    }
    const outcome = await replaySpool({
      spool: this.options.spool,
      window: this.window,
      logger: this.options.logger,
      batchSize: this.options.drainBatchSize ?? 100,
      timeoutMs: this.options.drainTimeoutMs ?? 10_000,
      connected,
      send: (entry, bytes) => this.dispatch(entry, bytes, { durable: true, settle: () => undefined }),
      offset: { get: () => this.drainedOffset, set: (offset) => (this.drainedOffset = offset) },
      appending: () => this.pendingAppends > 0,
      switchToDirect: () => {
        this.mode = "direct";
      },
    });
    if (outcome.switched) this.finishedReplay(outcome.replayed);
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

/** The `code` of a `ConvexError`'s data, when there is one. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "data" in error) {
    const data = (error as { data: unknown }).data;
    if (typeof data === "object" && data !== null && typeof (data as { code?: unknown }).code === "string") {
      return (data as { code: string }).code;
    }
  }
  return undefined;
}
