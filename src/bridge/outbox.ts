/** App → Gateway: delivers queued app messages with chat.send, in order per session, exactly once. */
import type { Id } from "../../convex/_generated/dataModel.js";
import { api } from "../convex-sync/relay-api.js";
import type { Logger } from "../logging/logger.js";
import { clipChars, LIMITS } from "./clip.js";
import type { ConvexWrites, GatewayPort } from "./ports.js";
import { MAX_CONCURRENT_SESSIONS, SessionSlots } from "./session-slots.js";

export interface PendingMessage {
  messageId: string;
  sessionKey: string;
  text: string;
  /** The chat.send idempotency key, fixed by the backend when the app wrote the row. */
  runId: string;
  createdAt: number;
}

export interface OutboxOptions {
  gateway: GatewayPort;
  convex: ConvexWrites;
  logger: Logger;
  /** Older than this at send time: marked expired instead of delivered late. */
  maxAgeMs: number;
  /** Pause after a message's first transient failure before its session's queue is tried again; doubles per failure. */
  retryDelayMs?: number;
  /** Sessions driven at once (a send, or an agent run it started, in progress); the rest wait, oldest first. */
  maxConcurrentSessions?: number;
  now?: () => number;
}

interface Tracked {
  message: PendingMessage;
  expiryTimer: NodeJS.Timeout | undefined;
  /** Sent (or expired/failed) by this process: never again, even if the subscription still lists it. */
  settled: boolean;
  /** Transient failures so far: the next retry waits longer. */
  failures: number;
}

/** The longest pause between two tries of one message. */
const MAX_RETRY_DELAY_MS = 30_000;

export class Outbox {
  private readonly tracked = new Map<string, Tracked>();
  private readonly busySessions = new Set<string>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private readonly slots: SessionSlots;
  /** Sessions with messages that found every slot taken. */
  private readonly waiting = new Set<string>();
  private ready = false;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly options: OutboxOptions) {
    this.now = options.now ?? Date.now;
    this.slots = new SessionSlots(options.maxConcurrentSessions ?? MAX_CONCURRENT_SESSIONS, () => this.pumpWaiting());
  }

  /** A chat run ended (final, error or aborted): the session that started it may give its slot back. */
  runEnded(runId: string): void {
    this.slots.runEnded(runId);
  }

  /** Sessions driven right now (for status and tests). */
  get activeSessions(): number {
    return this.slots.inUse;
  }

  /** Held closed until catch-up after a (re)connect is done, so sends seen in the transcript aren't redone. */
  setReady(ready: boolean): void {
    this.ready = ready;
    // Closed for a (re)connect: events of runs in progress are lost, so they stop holding slots.
    if (!ready) this.slots.forgetRuns();
    if (ready) this.pumpAll();
  }

  /** The latest result of the pending-messages subscription: the complete queue, oldest first. */
  update(pending: PendingMessage[]): void {
    const seen = new Set<string>();
    for (const message of pending) {
      seen.add(message.messageId);
      if (this.tracked.has(message.messageId)) continue;
      const entry: Tracked = { message, expiryTimer: undefined, settled: false, failures: 0 };
      this.tracked.set(message.messageId, entry);
      this.armExpiry(entry);
    }
    // Rows no longer queued were settled (by us or by a transcript merge): forget them.
    for (const [id, entry] of this.tracked) {
      if (!seen.has(id)) {
        clearTimeout(entry.expiryTimer);
        this.tracked.delete(id);
      }
    }
    this.pumpAll();
  }

  /** Called when the gateway (re)connects or anything else may unblock the queues. */
  pumpAll(): void {
    for (const sessionKey of this.sessionsByHead()) void this.pump(sessionKey);
  }

  /** Sessions with unsettled messages, the one whose oldest message is oldest first: the order slots are given in. */
  private sessionsByHead(): string[] {
    const oldest = new Map<string, number>();
    for (const entry of this.tracked.values()) {
      if (entry.settled) continue;
      const { sessionKey, createdAt } = entry.message;
      if (!(createdAt >= (oldest.get(sessionKey) ?? Infinity))) oldest.set(sessionKey, createdAt);
    }
    return [...oldest.keys()].sort((a, b) => oldest.get(a)! - oldest.get(b)!);
  }

  /** A slot was given back: the waiting sessions try again, oldest first. */
  private pumpWaiting(): void {
    if (this.waiting.size === 0) return;
    for (const sessionKey of this.sessionsByHead()) if (this.waiting.has(sessionKey)) void this.pump(sessionKey);
  }

  stop(): void {
    this.stopped = true;
    for (const entry of this.tracked.values()) clearTimeout(entry.expiryTimer);
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    this.retryTimers.clear();
    this.slots.forgetRuns();
  }

  get queued(): number {
    let count = 0;
    for (const entry of this.tracked.values()) if (!entry.settled) count += 1;
    return count;
  }

  private armExpiry(entry: Tracked): void {
    const remaining = entry.message.createdAt + this.options.maxAgeMs - this.now();
    // An expiry that falls while the gateway is down must still reach the app: the phone shows
    // "not sent" instead of a message that silently waits forever.
    entry.expiryTimer = setTimeout(() => this.expireIfWaiting(entry), Math.max(0, remaining) + 5);
    entry.expiryTimer.unref();
  }

  private expireIfWaiting(entry: Tracked): void {
    if (entry.settled || this.stopped) return;
    if (this.busySessions.has(entry.message.sessionKey) && this.head(entry.message.sessionKey) === entry) return;
    this.settle(entry, "expired");
  }

  private head(sessionKey: string): Tracked | undefined {
    let oldest: Tracked | undefined;
    for (const entry of this.tracked.values()) {
      if (entry.settled || entry.message.sessionKey !== sessionKey) continue;
      if (!oldest || entry.message.createdAt < oldest.message.createdAt) oldest = entry;
    }
    return oldest;
  }

  private settle(entry: Tracked, outcome: "delivered" | "expired" | "failed", detail?: string): void {
    entry.settled = true;
    clearTimeout(entry.expiryTimer);
    const { messageId, runId } = entry.message;
    if (outcome === "delivered") {
      void this.options.convex.write(api.relay.markDelivered, { messageId: messageId as Id<"messages">, runId });
    } else if (outcome === "expired") {
      const reason = `not delivered within ${Math.round(this.options.maxAgeMs / 1000)} s (gateway unreachable)`;
      this.options.logger.info("app message expired", { messageId });
      void this.options.convex.write(api.relay.markExpired, { messageId: messageId as Id<"messages">, reason });
    } else {
      this.options.logger.info("gateway rejected an app message", { messageId, reason: detail });
      void this.options.convex.write(api.relay.markFailed, { messageId: messageId as Id<"messages">, reason: clipChars(detail ?? "rejected by the gateway", LIMITS.reason) });
    }
  }

  private async pump(sessionKey: string): Promise<void> {
    if (!this.ready || this.stopped || this.busySessions.has(sessionKey)) return;
    this.waiting.delete(sessionKey);
    if (!this.head(sessionKey)) return;
    if (!this.slots.acquire(sessionKey)) {
      this.waiting.add(sessionKey);
      return;
    }
    this.busySessions.add(sessionKey);
    try {
      for (;;) {
        const entry = this.head(sessionKey);
        if (!entry || this.stopped || !this.options.gateway.isConnected()) return;
        if (this.now() - entry.message.createdAt > this.options.maxAgeMs) {
          this.settle(entry, "expired");
          continue;
        }
        const { text, runId } = entry.message;
        try {
          const ack = await this.options.gateway.chatSend({ sessionKey, message: text, idempotencyKey: runId });
          // "started" is a new agent run; a resend of a finished key ("ok") started nothing.
          if (ack.status === "started") this.slots.started(sessionKey, ack.runId);
          this.settle(entry, "delivered");
        } catch (error) {
          const failure = this.options.gateway.classifyError(error);
          if (failure.kind === "rejected") {
            this.settle(entry, "failed", failure.code ? `${failure.code}: ${failure.reason}` : failure.reason);
            continue;
          }
          if (this.now() - entry.message.createdAt > this.options.maxAgeMs) {
            // Its expiry fell due while this send was in flight (and was skipped for it): settle it now,
            // or a Gateway that stays away would leave the row queued for good.
            this.settle(entry, "expired");
            continue;
          }
          entry.failures += 1;
          this.options.logger.info("chat.send did not go through; will retry", { messageId: entry.message.messageId, code: failure.code, failures: entry.failures });
          this.scheduleRetry(sessionKey, this.retryDelay(entry.failures));
          return;
        }
      }
    } finally {
      this.busySessions.delete(sessionKey);
      this.slots.doneSending(sessionKey);
    }
  }

  /** Doubling, capped, with jitter: refusals caused by a burst of sends must not all come back as one burst. */
  private retryDelay(failures: number): number {
    const base = this.options.retryDelayMs ?? 2_000;
    const delay = Math.min(base * 2 ** (failures - 1), Math.max(base, MAX_RETRY_DELAY_MS));
    return delay / 2 + (Math.random() * delay) / 2;
  }

  private scheduleRetry(sessionKey: string, delayMs: number): void {
    if (this.retryTimers.has(sessionKey)) return;
    const timer = setTimeout(() => {
      this.retryTimers.delete(sessionKey);
      void this.pump(sessionKey);
    }, delayMs);
    timer.unref();
    this.retryTimers.set(sessionKey, timer);
  }
}
