/** Remembers sync-protocol mutation outcomes by (sessionId, requestId) so replays after a reconnect run once. */
import type { JSONValue } from "convex/values";

export type MutationOutcome =
  | { success: true; value: JSONValue; ts: bigint }
  | { success: false; errorMessage: string; errorData?: JSONValue };

/**
 * A client re-sends every unconfirmed mutation after it reconnects, including ones the server
 * already ran. The first request runs; any replay (even one racing the still-running original
 * from the dropped socket) gets the same outcome and timestamp.
 */
export class MutationLog {
  private readonly entries = new Map<string, Promise<MutationOutcome>>();

  constructor(private readonly limit = 10_000) {}

  async run(
    sessionId: string,
    requestId: number,
    execute: () => Promise<MutationOutcome>,
  ): Promise<{ outcome: MutationOutcome; replayed: boolean }> {
    const key = `${sessionId}\u0000${requestId}`;
    const existing = this.entries.get(key);
    if (existing !== undefined) return { outcome: await existing, replayed: true };
    const pending = execute();
    this.entries.set(key, pending);
    this.evict();
    return { outcome: await pending, replayed: false };
  }

  get size(): number {
    return this.entries.size;
  }

  // Oldest first (Map keeps insertion order). Clients only replay recent unconfirmed mutations,
  // so a bounded log is enough for a long-running local server.
  private evict(): void {
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.limit) break;
      this.entries.delete(key);
    }
  }
}
