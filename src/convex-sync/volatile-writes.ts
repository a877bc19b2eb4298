/** Writes that only say how things are now (presence): never spooled; while one can't go, only the latest per function waits. */
import { sizeOf } from "./in-flight.js";
import type { SpoolEntry } from "./spool.js";

export interface VolatileWritesOptions {
  /** The link is up and the in-flight window has room for this many bytes. */
  canSend: (bytes: number) => boolean;
  /** Sends through the writer's window; `settle` runs once Convex answers or refuses. */
  send: (entry: SpoolEntry, bytes: number, settle: () => void) => void;
}

/**
 * Presence goes out whenever the link is up, spooling or not: it does not depend on the order of
 * the data writes, and holding it behind a replay is what made the app show a stale state. When it
 * can't go now (offline, window full), only the latest per function waits, and it is sent the
 * moment it can; its caller is not kept waiting meanwhile.
 */
export class VolatileWrites {
  private readonly unsent = new Map<string, SpoolEntry>();

  constructor(private readonly options: VolatileWritesOptions) {}

  /** Resolves when Convex answers, or at once when the write has to wait (or `keep` is false: closed). */
  write(entry: SpoolEntry, keep: boolean): Promise<void> {
    this.unsent.delete(entry.fn);
    const bytes = sizeOf(entry.args);
    if (this.options.canSend(bytes)) return new Promise((resolve) => this.options.send(entry, bytes, resolve));
    if (keep) this.unsent.set(entry.fn, entry);
    return Promise.resolve();
  }

  /** Sends what waits, oldest function first, as far as the window has room. */
  sendWaiting(): void {
    for (const [fn, entry] of this.unsent) {
      const bytes = sizeOf(entry.args);
      if (!this.options.canSend(bytes)) return;
      this.unsent.delete(fn);
      this.options.send(entry, bytes, () => undefined);
    }
  }
}
