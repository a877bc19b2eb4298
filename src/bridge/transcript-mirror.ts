/** Gateway → App mirroring: every transcript message of every session lands in Convex exactly once. */
import type { Logger } from "../logging/logger.js";
import type { CursorStore } from "./cursor-store.js";
import type { ConvexWrites, GatewayPort, HistoryResult } from "./ports.js";
import { clipBytes, LIMITS } from "./clip.js";
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
  /** Live messages of a session that arrived while its previous live ingest was still unanswered. */
  private readonly liveQueues = new Map<string, TranscriptMessage[]>();

  constructor(private readonly options: TranscriptMirrorOptions) {}

  stop(): void {
    for (const timer of this.refreshTimers.values()) clearTimeout(timer);
    this.refreshTimers.clear();
  }

  get ingestedCount(): number {
    return this.ingested;
  }

  /**
   * A live `session.message`. Ingest is idempotent on the gateway message id, so catch-up may repeat it.
   * A quiet session's message goes out at once; messages arriving while that write is unanswered are
   * held and sent together when it is, so a burst costs a few Convex calls instead of one per message,
   * and no message waits longer than one round trip.
   */
  live(sessionKey: string, message: TranscriptMessage): void {
    const queued = this.liveQueues.get(sessionKey);
    if (queued) queued.push(message);
    else void this.sendLive(sessionKey, [message]);
    this.scheduleRefresh(sessionKey);
  }

  private async sendLive(sessionKey: string, messages: TranscriptMessage[]): Promise<void> {
    this.liveQueues.set(sessionKey, []);
    try {
      await this.ingest(sessionKey, messages);
    } catch (error) {
      // The writer keeps what it can't send; anything lost here comes back with the next catch-up.
      this.options.logger.warn("live transcript ingest failed", { error: String(error) });
    }
    const next = this.liveQueues.get(sessionKey) ?? [];
    if (next.length === 0) this.liveQueues.delete(sessionKey);
    else void this.sendLive(sessionKey, next);
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

  private async ingest(sessionKey: string, received: TranscriptMessage[]): Promise<void> {
    // Only a cut message costs a round trip: everything else goes out without waiting a tick.
    const messages = received.some((m) => m.gatewayTruncated === true) ? await this.wholeTexts(sessionKey, received) : received;
    for (let start = 0; start < messages.length; start += INGEST_BATCH) {
      const batch = messages.slice(start, start + INGEST_BATCH).map((message) => ({ ...message, text: clipBytes(message.text) }));
      this.ingested += batch.length;
      await this.options.convex.write("relay:ingestTranscript", { sessionKey, messages: batch });
    }
  }

  /**
   * session.message and chat.history carry a long message cut at 8,000 characters: each cut one is
   * fetched whole with chat.message.get (up to our own limit, beyond which we clip anyway). One the
   * Gateway can't give stays cut and goes to Convex marked `gatewayTruncated`, so the app can say so
   * and a streamed reply keeps the whole text it showed. A connection failure throws before anything
   * of this call is written: the cursor stays, and the next catch-up brings the messages back.
   */
  private async wholeTexts(sessionKey: string, messages: TranscriptMessage[]): Promise<TranscriptMessage[]> {
    const whole: TranscriptMessage[] = [];
    for (const message of messages) {
      if (message.gatewayTruncated !== true) {
        whole.push(message);
        continue;
      }
      const full = await this.options.gateway.fullMessageText({ sessionKey, messageId: message.gatewayMessageId, maxChars: LIMITS.textBytes });
      if (full.kind === "full") {
        const { gatewayTruncated: _cut, ...rest } = message;
        whole.push({ ...rest, text: full.text });
      } else {
        this.options.logger.info("the Gateway cut a transcript message and can't give it whole; it is stored marked as cut", {
          sessionKey,
          reason: full.reason,
        });
        whole.push(message);
      }
    }
    return whole;
  }
}
