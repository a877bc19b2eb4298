/** Gateway → App mirroring: every transcript message of every session lands in Convex exactly once. */
import { systemClock, type Clock, type TimerHandle } from "../gateway/clock.js";
import type { TranscriptRow } from "../gateway/transcript-row.js";
import type { Logger } from "../logging/logger.js";
import { api } from "../convex-sync/relay-api.js";
import type { CursorStore } from "./cursor-store.js";
import { gatewayFailureOf, type ConvexWrites, type GatewayPort, type HistoryResult } from "./ports.js";
import { clipBytes, LIMITS } from "./clip.js";

export interface TranscriptMirrorOptions {
  gateway: GatewayPort;
  convex: ConvexWrites;
  cursors: CursorStore;
  logger: Logger;
  /** Messages fetched per session when there is no usable cursor (first sync, after a reset). */
  backfillPerSession: number;
  /** Time and timers (cursor refreshes); the system clock by default. */
  clock?: Clock;
  /** Takes the rows that carry files once they are written (MediaMirror); without it files are not mirrored. */
  media?: MediaSink;
}

/** Where rows with files go after their ingest. */
export interface MediaSink {
  rows(sessionKey: string, rows: readonly TranscriptRow[]): void;
}

/** Quiet time after live messages before a session's cursor is refreshed. */
const REFRESH_AFTER_MS = 2_000;

/** Ingest calls carry at most this many messages, to stay well inside Convex's argument limits. */
const INGEST_BATCH = 50;

/**
 * Live messages held per session while its last write is not yet durable. Past this the relay stops
 * holding them (they stay in the Gateway's transcript) and catches the session up from its cursor
 * once that write is durable: memory stays bounded however long Convex and the disk are both away.
 */
export const LIVE_QUEUE_LIMIT = 200;

/**
 * The page fetched when the relay let live messages go and the Gateway then says the cursor is too
 * old (`reset`): its maximum, so as little as possible is missed. Ordinary resets (after a Gateway
 * restart) take the backfill page, which costs far less on every reconnect.
 */
const LET_GO_RESET_PAGE = 1000;

export class TranscriptMirror {
  private readonly refreshTimers = new Map<string, TimerHandle>();
  /** Live messages of a session that arrived while its previous live ingest was still unanswered. */
  private readonly liveQueues = new Map<string, TranscriptRow[]>();
  /** Sessions whose live messages were let go (queue full): caught up when their write is durable. */
  private readonly behind = new Set<string>();
  /** Sessions caught up because live messages were let go: a `reset` then takes the largest page. */
  private readonly letGo = new Set<string>();
  /** One catch-up per session at a time; a request meanwhile runs once more after it. */
  private readonly catchUps = new Map<string, { running: Promise<void>; again: boolean }>();

  private readonly clock: Clock;

  constructor(private readonly options: TranscriptMirrorOptions) {
    this.clock = options.clock ?? systemClock;
  }

  stop(): void {
    for (const timer of this.refreshTimers.values()) this.clock.clearTimeout(timer);
    this.refreshTimers.clear();
  }

  /**
   * A live `session.message`. Ingest is idempotent on the gateway message id, so catch-up may repeat it.
   * A quiet session's message goes out at once; messages arriving while that write is unanswered are
   * held and sent together when it is, so a burst costs a few Convex calls instead of one per message,
   * and no message waits longer than one round trip.
   */
  live(sessionKey: string, message: TranscriptRow): void {
    const queued = this.liveQueues.get(sessionKey);
    if (!queued) void this.sendLive(sessionKey, [message]);
    else if (this.behind.has(sessionKey)) {
      // Not held: the catch-up that follows the pending write fetches it from the Gateway.
    } else if (queued.length >= LIVE_QUEUE_LIMIT) {
      queued.length = 0;
      this.behind.add(sessionKey);
      this.options.logger.warn("Convex writes are not durable yet: live messages of a session are left in the Gateway's transcript until then", {
        sessionKey,
      });
    } else queued.push(message);
    this.scheduleRefresh(sessionKey);
  }

  private async sendLive(sessionKey: string, messages: TranscriptRow[]): Promise<void> {
    this.liveQueues.set(sessionKey, []);
    try {
      await this.ingest(sessionKey, messages);
    } catch (error) {
      // The writer keeps what it can't send; anything lost here comes back with the next catch-up.
      this.options.logger.warn("live transcript ingest failed", { error: String(error) });
    }
    if (this.behind.delete(sessionKey) && this.options.gateway.isConnected()) {
      // Its cursor never passed what was let go (cursors wait for durable writes): fetch from there.
      this.letGo.add(sessionKey);
      await this.catchUp([sessionKey]);
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
    const pending = this.refreshTimers.get(sessionKey);
    if (pending) this.clock.clearTimeout(pending);
    const timer = this.clock.setTimeout(() => {
      this.refreshTimers.delete(sessionKey);
      if (this.options.gateway.isConnected()) void this.catchUp([sessionKey]);
    }, REFRESH_AFTER_MS);
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
        await this.catchUpOnce(sessionKey);
      } catch (error) {
        const failure = gatewayFailureOf(error);
        this.options.logger.warn("catch-up of a session failed; will retry at the next connect", {
          code: failure.code,
          reason: failure.reason,
        });
        if (!this.options.gateway.isConnected()) return;
      }
    }
  }

  /**
   * While a session's catch-up waits for its writes to become durable (a full disk with Convex away),
   * later requests don't fetch the same page again: they make it run once more when it is done.
   */
  private catchUpOnce(sessionKey: string): Promise<void> {
    const current = this.catchUps.get(sessionKey);
    if (current) {
      current.again = true;
      return current.running;
    }
    const state = { running: Promise.resolve(), again: false };
    state.running = (async () => {
      try {
        do {
          state.again = false;
          await this.catchUpSession(sessionKey);
        } while (state.again && this.options.gateway.isConnected());
      } finally {
        this.catchUps.delete(sessionKey);
      }
    })();
    this.catchUps.set(sessionKey, state);
    return state.running;
  }

  private async catchUpSession(sessionKey: string): Promise<void> {
    const cursor = this.options.cursors.get(sessionKey);
    let result: HistoryResult;
    if (cursor) {
      result = await this.options.gateway.chatHistory({ sessionKey, cursor });
      if (result.kind === "reset") {
        this.options.logger.info("transcript cursor was reset by the gateway; fetching a page", { sessionKey });
        const limit = this.letGo.has(sessionKey) ? Math.max(this.options.backfillPerSession, LET_GO_RESET_PAGE) : this.options.backfillPerSession;
        result = await this.options.gateway.chatHistory({ sessionKey, limit });
      }
    } else {
      result = await this.options.gateway.chatHistory({ sessionKey, limit: this.options.backfillPerSession });
    }
    if (result.kind === "reset") return; // a fresh page answered reset: nothing usable this time
    await this.ingest(sessionKey, result.messages);
    if (result.deltaCursor) await this.options.cursors.set(sessionKey, result.deltaCursor);
    this.letGo.delete(sessionKey);
  }

  private async ingest(sessionKey: string, received: TranscriptRow[]): Promise<void> {
    // Only a cut message costs a round trip: everything else goes out without waiting a tick.
    const messages = received.some((m) => m.gatewayTruncated === true) ? await this.wholeTexts(sessionKey, received) : received;
    for (let start = 0; start < messages.length; start += INGEST_BATCH) {
      const batch = messages.slice(start, start + INGEST_BATCH).map(({ media: _media, ...message }) => ({ ...message, text: clipBytes(message.text) }));
      await this.options.convex.write(api.relay.ingestTranscript, { sessionKey, messages: batch });
    }
    // Their rows are durable (in Convex or the spool) now: the files follow, on their own time.
    const withMedia = messages.filter((message) => message.media !== undefined && message.media.length > 0);
    if (withMedia.length > 0) this.options.media?.rows(sessionKey, withMedia);
  }

  /**
   * session.message and chat.history carry a long message cut at 8,000 characters: each cut one is
   * fetched whole with chat.message.get (up to our own limit, beyond which we clip anyway). One the
   * Gateway can't give stays cut and goes to Convex marked `gatewayTruncated`, so the app can say so
   * and a streamed reply keeps the whole text it showed. A connection failure throws before anything
   * of this call is written: the cursor stays, and the next catch-up brings the messages back.
   */
  private async wholeTexts(sessionKey: string, messages: TranscriptRow[]): Promise<TranscriptRow[]> {
    const whole: TranscriptRow[] = [];
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
