/** Ordered Convex writes that survive outages: direct while connected, spooled to disk while not. */
import type { Logger } from "../logging/logger.js";
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
  /** A drain batch that has not been answered in this time is abandoned and retried later. */
  drainTimeoutMs?: number;
  drainBatchSize?: number;
  /** Called when Convex refuses a write for good (bad credential, bad data): it is dropped. */
  onRejected?: (fn: string, error: unknown) => void;
}

interface InFlight {
  entry: SpoolEntry;
  durable: boolean;
  /** Settles the caller's promise once the write is answered by Convex or safe in the spool. */
  settle: () => void;
}

type Mode = "direct" | "spooling";

/**
 * Every write the relay makes to Convex is idempotent on the server (keyed by message id, run id or
 * gateway message id), so replaying a spooled write that did arrive before a crash is harmless; the
 * writer therefore favours "at least once, in order" over bookkeeping of what exactly got through.
 */
export class ConvexWriter {
  private mode: Mode = "direct";
  private readonly inFlight = new Map<number, InFlight>();
  private nextId = 0;
  private pendingAppends = 0;
  private draining: Promise<void> | undefined;
  private spooledTotal = 0;
  private readonly now: () => number;

  constructor(private readonly options: ConvexWriterOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Entries written to the spool since start (for status and benchmarks). */
  get spooledWrites(): number {
    return this.spooledTotal;
  }

  get isSpooling(): boolean {
    return this.mode === "spooling";
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
      return new Promise((resolve) => this.send(entry, durable, resolve));
    }
    if (!durable) return Promise.resolve();
    this.enterSpooling();
    return this.appendToSpool([entry]);
  }

  /** The transport reports every connection change here. */
  connectionChanged(connected: boolean): void {
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
      if (this.inFlight.size === 0 && this.mode === "direct" && this.pendingAppends === 0) return { drained: true };
      if (this.mode === "spooling" && !this.options.transport.isConnected() && this.inFlight.size === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const stranded = [...this.inFlight.values()].filter((item) => item.durable);
    await this.appendToSpool(stranded.map((item) => item.entry));
    for (const item of stranded) item.settle();
    return { drained: false };
  }

  private send(entry: SpoolEntry, durable: boolean, settle: () => void): void {
    const id = this.nextId++;
    this.inFlight.set(id, { entry, durable, settle });
    this.options.transport.mutation(entry.fn, this.options.withCredential(entry.args)).then(
      () => {
        this.inFlight.delete(id);
        settle();
      },
      (error: unknown) => {
        this.inFlight.delete(id);
        this.rejected(entry.fn, error);
        settle();
      },
    );
  }

  private rejected(fn: string, error: unknown): void {
    const code = errorCode(error);
    this.options.logger.warn("Convex refused a write; dropped", { fn, code: code ?? "unknown" });
    this.options.onRejected?.(fn, error);
  }

  private enterSpooling(): void {
    if (this.mode === "spooling") return;
    this.mode = "spooling";
    // Writes already sent may never be answered if the socket died under them: keep a durable copy,
    // in their original order, ahead of everything written from now on.
    const sent = [...this.inFlight.entries()]
      .sort(([a], [b]) => a - b)
      .filter(([, item]) => item.durable)
      .map(([, item]) => item);
    void this.appendToSpool(sent.map((item) => item.entry)).then(() => {
      for (const item of sent) item.settle();
    });
    this.options.logger.info("Convex unreachable: spooling writes to disk", { inFlight: sent.length });
  }

  private appendToSpool(entries: SpoolEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    this.pendingAppends += 1;
    this.spooledTotal += entries.length;
    return this.options.spool.append(entries).then(
      () => {
        this.pendingAppends -= 1;
      },
      (error: unknown) => {
        this.pendingAppends -= 1;
        this.options.logger.error("could not write the spool", { error: String(error) });
      },
    );
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
    const spool = this.options.spool;
    const batchSize = this.options.drainBatchSize ?? 100;
    let offset = 0;
    let replayed = 0;
    while (this.options.transport.isConnected()) {
      const { entries, endOffset, skipped } = await spool.read(offset);
      if (skipped > 0) this.options.logger.warn("skipped damaged spool lines", { skipped });
      if (entries.length === 0) {
        const switched = await spool.exclusive(async (exclusive) => {
          if (this.pendingAppends > 0) return false;
          // Anything complete past endOffset arrived meanwhile; a torn tail (crash) is dropped.
          const rest = await exclusive.read(endOffset);
          if (rest.entries.length > 0) return false;
          await exclusive.truncate();
          this.mode = "direct";
          return true;
        });
        if (switched) {
          this.options.logger.info("spool replayed; writing to Convex directly again", { replayed });
          return;
        }
        continue;
      }
      for (let start = 0; start < entries.length; start += batchSize) {
        const batch = entries.slice(start, start + batchSize);
        const answered = await this.sendBatch(batch);
        if (!answered) return; // the link dropped again; the spool still holds this batch
        replayed += batch.length;
      }
      offset = endOffset;
    }
  }

  /** Sends a batch pipelined (the client keeps their order); false if it was not answered in time. */
  private async sendBatch(batch: SpoolEntry[]): Promise<boolean> {
    const timeoutMs = this.options.drainTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const all = Promise.all(
      batch.map((entry) =>
        this.options.transport.mutation(entry.fn, this.options.withCredential(entry.args)).then(
          () => undefined,
          (error: unknown) => this.rejected(entry.fn, error),
        ),
      ),
    ).then(() => true);
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([all, timeout]);
    } finally {
      clearTimeout(timer);
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
