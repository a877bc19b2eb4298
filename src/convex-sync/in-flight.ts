/** The writes handed to Convex and not yet answered, bounded by count and approximate bytes. */
import type { SpoolEntry } from "./spool.js";

export interface InFlightWrite {
  readonly id: number;
  readonly entry: SpoolEntry;
  /** Approximate size: the JSON length of the arguments (without the credential). */
  readonly bytes: number;
  readonly durable: boolean;
  /** Settles the caller's promise once the write is answered by Convex or safe in the spool. */
  readonly settle: () => void;
}

/** How many writes and how many approximate bytes may be unanswered at once. */
export interface InFlightLimits {
  maxWrites: number;
  maxBytes: number;
}

/**
 * At the bench's knee (200 messages/s, a few writes each) answers within ~50 ms keep a few dozen
 * writes in flight, so 256 only overflows when Convex is really lagging. 4 MiB admits the largest
 * write the relay makes (50 transcript messages of at most 64 KiB) beside ordinary small ones; with
 * ConvexClient's own copy that is a few times 4 MiB at worst, instead of growing with the lag.
 */
export const DEFAULT_IN_FLIGHT_LIMITS: Readonly<InFlightLimits> = { maxWrites: 256, maxBytes: 4 * 1024 * 1024 };

/** The approximate size the window charges for a write. */
export function sizeOf(args: Record<string, unknown>): number {
  return JSON.stringify(args).length;
}

/**
 * Every unanswered write is held twice (here, for the spool copy on an outage, and by ConvexClient,
 * which resends it on reconnect), so this window is what bounds the writer's memory when Convex is
 * connected but slow. Writes are kept in send order: Map iteration follows insertion.
 */
export class InFlightWindow {
  private readonly items = new Map<number, InFlightWrite>();
  private nextId = 0;
  private usedBytes = 0;
  private peakWrites = 0;
  private waiters: Array<() => void> = [];

  constructor(readonly limits: InFlightLimits) {
    if (!(limits.maxWrites >= 1) || !(limits.maxBytes >= 1)) {
      throw new Error("in-flight limits must be at least 1 write and 1 byte");
    }
  }

  get size(): number {
    return this.items.size;
  }

  get bytes(): number {
    return this.usedBytes;
  }

  get peakSize(): number {
    return this.peakWrites;
  }

  /**
   * Whether one more write of `bytes` fits. An empty window takes any single write however large,
   * so one oversized write (a transcript batch of long messages) can never wedge the writer.
   */
  fits(bytes: number): boolean {
    return this.fitCount([bytes]) === 1;
  }

  /** How many of `sizes`, from the front and in order, fit into the window as it is now. */
  fitCount(sizes: readonly number[]): number {
    let writes = this.items.size;
    let bytes = this.usedBytes;
    let taken = 0;
    for (const size of sizes) {
      const fits = writes === 0 || (writes + 1 <= this.limits.maxWrites && bytes + size <= this.limits.maxBytes);
      if (!fits) break;
      writes += 1;
      bytes += size;
      taken += 1;
    }
    return taken;
  }

  add(write: Omit<InFlightWrite, "id">): InFlightWrite {
    const item: InFlightWrite = { ...write, id: this.nextId++ };
    this.items.set(item.id, item);
    this.usedBytes += item.bytes;
    this.peakWrites = Math.max(this.peakWrites, this.items.size);
    return item;
  }

  remove(id: number): void {
    const item = this.items.get(id);
    if (!item) return;
    this.items.delete(id);
    this.usedBytes -= item.bytes;
    this.poke();
  }

  /** In send order. */
  values(): InFlightWrite[] {
    return [...this.items.values()];
  }

  /** Resolves at the next answer or `poke()`: waiters re-check their condition then. */
  changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Wakes every waiter, e.g. on a connection change, so none sleeps through a state it must act on. */
  poke(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
