/** Gateway → App mirroring: every transcript message of every session lands in Convex exactly once. */
import type { Logger } from "../logging/logger.js";
import type { CursorStore } from "./cursor-store.js";
import type { ConvexWrites, GatewayPort, HistoryResult } from "./ports.js";
import { clipBytes } from "./clip.js";
import type { TranscriptMessage } from "./transcript.js";

export interface TranscriptMirrorOptions {
  gateway: GatewayPort;
  convex: ConvexWrites;
  cursors: CursorStore;
  logger: Logger;
  /** Messages fetched per session when there is no usable cursor (first sync, after a reset). */
  backfillPerSession: number;
  /** Quiet time after live messages before a session's cursor is refreshed (default 2 s). */
  refreshAfterMs?: number;
}

/** Ingest calls carry at most this many messages, to stay well inside Convex's argument limits. */
const INGEST_BATCH = 50;

export class TranscriptMirror {
  private ingested = 0;
  private readonly refreshTimers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly options: TranscriptMirrorOptions) {}

  stop(): void {
    for (const timer of this.refreshTimers.values()) clearTimeout(timer);
    this.refreshTimers.clear();
  }

  get ingestedCount(): number {
    return this.ingested;
  }

  /** A live `session.message`. Ingest is idempotent on the gateway message id, so catch-up may repeat it. */
  live(sessionKey: string, message: TranscriptMessage): void {
    void this.ingest(sessionKey, [message]);
    this.scheduleRefresh(sessionKey);
  }

  /**
   * Live events don't move the cursor, and a catch-up more than 200 events behind is answered with
   * `reset`: so after a burst of live traffic the session's cursor is brought up to date.
   */
  private scheduleRefresh(sessionKey: string): void {
    clearTimeout(this.refreshTimers.get(sessionKey));
    const timer = setTimeout(() => {
      this.refreshTimers.delete(sessionKey);
      if (this.options.gateway.isConnected()) void this.catchUp([sessionKey]);
    }, this.options.refreshAfterMs ?? 2_000);
    timer.unref();
    this.refreshTimers.set(sessionKey, timer);
  }

  /**
   * Catch-up after a (re)connect, because events are never replayed: from each session's cursor when
   * there is one, else (and after a `reset`) the newest page. Resolves once every fetched message is
   * durable (in Convex or the spool) and its cursor is saved.
   */
  async catchUp(sessionKeys: Iterable<string>): Promise<void> {
    for (const sessionKey of new Set(sessionKeys)) {
      try {
        await this.catchUpSession(sessionKey);
      } catch (error) {
        const failure = this.options.gateway.classifyError(error);
        this.options.logger.warn("catch-up of a session failed; will retry at the next connect", {
          code: failure.code,
          reason: failure.reason,
        });
        if (!this.options.gateway.isConnected()) return;
      }
    }
  }

  private async catchUpSession(sessionKey: string): Promise<void> {
    const cursor = this.options.cursors.get(sessionKey);
    let result: HistoryResult;
    if (cursor) {
      result = await this.options.gateway.chatHistory({ sessionKey, cursor });
      if (result.kind === "reset") {
        this.options.logger.info("transcript cursor was reset by the gateway; fetching a page", { sessionKey });
        result = await this.options.gateway.chatHistory({ sessionKey, limit: this.options.backfillPerSession });
      }
    } else {
      result = await this.options.gateway.chatHistory({ sessionKey, limit: this.options.backfillPerSession });
    }
    if (result.kind === "reset") return; // a fresh page answered reset: nothing usable this time
    await this.ingest(sessionKey, result.messages);
    if (result.deltaCursor) await this.options.cursors.set(sessionKey, result.deltaCursor);
  }

  private async ingest(sessionKey: string, messages: TranscriptMessage[]): Promise<void> {
    for (let start = 0; start < messages.length; start += INGEST_BATCH) {
      const batch = messages.slice(start, start + INGEST_BATCH).map((message) => ({ ...message, text: clipBytes(message.text) }));
      this.ingested += batch.length;
      await this.options.convex.write("relay:ingestTranscript", { sessionKey, messages: batch });
    }
  }
}
