/** App → Gateway: delivers queued app messages with chat.send, in order per session, exactly once. */
import { systemClock, type Clock, type TimerHandle } from "../gateway/clock.js";
import type { Id } from "../../convex/_generated/dataModel.js";
import { api } from "../convex-sync/relay-api.js";
import type { Logger } from "../logging/logger.js";
import type { AttachmentSource } from "./app-files.js";
import { clipChars, LIMITS } from "./clip.js";
import type { ConvexWrites, GatewayFailure, GatewayPort } from "./ports.js";
import { DEFAULT_RETRY_DELAY_MS, NO_TRIES, nextTry, sendOnce, type OutgoingMessage, type RetryRule, type Tries } from "./send-retry.js";
import { MAX_CONCURRENT_SESSIONS, SessionSlots } from "./session-slots.js";

/** A row of the pending-messages subscription: what to send, and when the app wrote it. */
export interface PendingMessage extends OutgoingMessage {
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
  clock?: Clock;
  /** Jitter for retry delays, in [0, 1). */
  random?: () => number;
  /** The files of an app message (none when left out). */
  attachments?: AttachmentSource;
}

/** An expiry timer fires this long after the deadline, so the age check it makes is past it. */
const EXPIRY_SLACK_MS = 5;

/** How this process ended a message; `elsewhere`: the row left the queue in Convex without us (a transcript merge). */
type Outcome = "delivered" | "expired" | "failed" | "elsewhere";

/**
 * One app message in this process. Transitions:
 *   queued  → sending   (its session's turn: it is the head and the session holds a slot)
 *   queued  → settled   (expired by its timer while waiting, or the row left the subscription)
 *   sending → settled   (acked, refused for good, too many races, past its age after a failure, or gone from the subscription)
 *   sending → queued    (a transient failure or a race: it stays the head and is retried after a pause)
 * `settled` is final: a subscription update that still lists the row does not send it again.
 */
type MessageState =
  | { kind: "queued"; tries: Tries; expiry: TimerHandle }
  | { kind: "sending"; tries: Tries; expiry: TimerHandle }
  | { kind: "settled"; outcome: Outcome };

interface Entry {
  readonly message: PendingMessage;
  state: MessageState;
}

/**
 * One session's queue: unsettled messages oldest first, so "in order per session" is its shape (only
 * the head is ever sent). Transitions:
 *   idle    → sending   (pumped with a free slot)      idle → waiting (pumped, every slot taken)
 *   waiting → sending   (a slot was given back)
 *   sending → idle      (queue empty, or not ready / not connected)
 *   sending → backoff   (the head failed and will be retried)
 *   backoff → idle      (its timer fired, or setReady(true): the gateway is back; pumped at once)
 */
type SessionState = { kind: "idle" } | { kind: "waiting" } | { kind: "sending" } | { kind: "backoff"; timer: TimerHandle };

interface SessionQueue {
  readonly sessionKey: string;
  readonly messages: Entry[];
  state: SessionState;
}

export class Outbox {
  /** Every message the subscription lists, settled ones too (until the subscription drops them). */
  private readonly entries = new Map<string, Entry>();
  private readonly sessions = new Map<string, SessionQueue>();
  private readonly slots: SessionSlots;
  private readonly clock: Clock;
  private readonly retryRule: RetryRule;
  private ready = false;
  private stopped = false;

  constructor(private readonly options: OutboxOptions) {
    this.clock = options.clock ?? systemClock;
    this.retryRule = { baseDelayMs: options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS, random: options.random ?? Math.random };
    this.slots = new SessionSlots(options.maxConcurrentSessions ?? MAX_CONCURRENT_SESSIONS, () => this.pumpWaiting(), this.clock);
  }

  /** A chat run ended (final, error or aborted): the session that started it may give its slot back. */
  runEnded(runId: string): void {
    this.slots.runEnded(runId);
  }

  /** Held closed until catch-up after a (re)connect is done, so sends seen in the transcript aren't redone. */
  setReady(ready: boolean): void {
    this.ready = ready;
    // Closed for a (re)connect: events of runs in progress are lost, so they stop holding slots.
    if (!ready) this.slots.forgetRuns();
    if (ready) this.pumpAll();
  }

  /** The latest result of the pending-messages subscription: the complete queue, oldest first. */
  update(pending: readonly PendingMessage[]): void {
    const listed = new Set<string>();
    let added = false;
    for (const message of pending) {
      listed.add(message.messageId);
      if (this.entries.has(message.messageId)) continue;
      this.enqueue(message);
      added = true;
    }
    // Rows no longer queued were settled (by us or by a transcript merge): forget them. Every listed
    // id is an entry now, so any entry beyond the listed count is one to forget.
    if (this.entries.size > listed.size) {
      for (const [id, entry] of this.entries) if (!listed.has(id)) this.forget(id, entry);
    }
    // Only new messages can unblock a queue here; one pausing after a failure keeps its pause.
    if (added) for (const queue of this.byHead()) void this.pump(queue);
  }

  /** The gateway is back (or anything else may unblock the queues): every queue is tried now, pauses cut short. */
  private pumpAll(): void {
    for (const queue of this.sessions.values()) {
      if (queue.state.kind !== "backoff") continue;
      this.clock.clearTimeout(queue.state.timer);
      queue.state = { kind: "idle" };
    }
    for (const queue of this.byHead()) void this.pump(queue);
  }

  stop(): void {
    this.stopped = true;
    for (const entry of this.entries.values()) if (entry.state.kind !== "settled") this.clock.clearTimeout(entry.state.expiry);
    for (const queue of this.sessions.values()) if (queue.state.kind === "backoff") this.clock.clearTimeout(queue.state.timer);
    this.slots.forgetRuns();
  }

  private enqueue(message: PendingMessage): void {
    const remaining = message.createdAt + this.options.maxAgeMs - this.clock.now();
    // An expiry that falls while the gateway is down must still reach the app: the phone shows
    // "not sent" instead of a message that silently waits forever.
    const expiry = this.clock.setTimeout(() => this.expireIfQueued(entry), Math.max(0, remaining) + EXPIRY_SLACK_MS);
    const entry: Entry = { message, state: { kind: "queued", tries: NO_TRIES, expiry } };
    this.entries.set(message.messageId, entry);
    let queue = this.sessions.get(message.sessionKey);
    if (!queue) {
      queue = { sessionKey: message.sessionKey, messages: [], state: { kind: "idle" } };
      this.sessions.set(message.sessionKey, queue);
    }
    // The subscription lists oldest first, so this is almost always an append.
    let at = queue.messages.length;
    while (at > 0 && queue.messages[at - 1]!.message.createdAt > message.createdAt) at -= 1;
    queue.messages.splice(at, 0, entry);
  }

  /** The row left the subscription: settled in Convex, by us or by a transcript merge. */
  private forget(id: string, entry: Entry): void {
    this.entries.delete(id);
    // A send in flight keeps its place until it ends (see pump); a queued one is done.
    if (entry.state.kind === "queued") this.settle(entry, "elsewhere");
  }

  private remove(queue: SessionQueue, entry: Entry): void {
    const at = queue.messages.indexOf(entry);
    if (at >= 0) queue.messages.splice(at, 1);
    if (queue.messages.length === 0 && queue.state.kind !== "sending") {
      if (queue.state.kind === "backoff") this.clock.clearTimeout(queue.state.timer);
      this.sessions.delete(queue.sessionKey);
    }
  }

  /** Sessions that can be pumped, the one whose head is oldest first: the order slots are given in. */
  private byHead(filter: (state: SessionState) => boolean = (state) => state.kind === "idle" || state.kind === "waiting"): SessionQueue[] {
    const queues: SessionQueue[] = [];
    for (const queue of this.sessions.values()) if (queue.messages.length > 0 && filter(queue.state)) queues.push(queue);
    return queues.sort((a, b) => a.messages[0]!.message.createdAt - b.messages[0]!.message.createdAt);
  }

  /** A slot was given back: the waiting sessions try again, oldest first. */
  private pumpWaiting(): void {
    for (const queue of this.byHead((state) => state.kind === "waiting")) void this.pump(queue);
  }

  private expireIfQueued(entry: Entry): void {
    // A message being sent is decided by its send (see afterFailure).
    if (entry.state.kind !== "queued" || this.stopped) return;
    this.settle(entry, "expired");
  }

  private settle(entry: Entry, outcome: Outcome, failure?: GatewayFailure, races = 0): void {
    if (entry.state.kind !== "settled") this.clock.clearTimeout(entry.state.expiry);
    entry.state = { kind: "settled", outcome };
    const queue = this.sessions.get(entry.message.sessionKey);
    if (queue) this.remove(queue, entry);
    const { messageId, runId } = entry.message;
    if (outcome === "elsewhere") return;
    if (outcome === "delivered") {
      void this.options.convex.write(api.relay.markDelivered, { messageId: messageId as Id<"messages">, runId });
    } else if (outcome === "expired") {
      const reason = `not delivered within ${Math.round(this.options.maxAgeMs / 1000)} s (gateway unreachable)`;
      this.options.logger.info("app message expired", { messageId });
      void this.options.convex.write(api.relay.markExpired, { messageId: messageId as Id<"messages">, reason });
    } else {
      const said = failure ? `${failure.code}: ${failure.reason}${races > 1 ? ` (refused ${races} times)` : ""}` : "rejected by the gateway";
      this.options.logger.info("gateway rejected an app message", { messageId, reason: said });
      void this.options.convex.write(api.relay.markFailed, { messageId: messageId as Id<"messages">, reason: clipChars(said, LIMITS.reason) });
    }
  }

  private async pump(queue: SessionQueue): Promise<void> {
    if (!this.ready || this.stopped || queue.state.kind === "sending" || queue.state.kind === "backoff") return;
    if (queue.messages.length === 0) return;
    if (!this.slots.acquire(queue.sessionKey)) {
      queue.state = { kind: "waiting" };
      return;
    }
    queue.state = { kind: "sending" };
    let next: SessionState = { kind: "idle" };
    try {
      for (;;) {
        const entry = queue.messages[0];
        if (!entry || entry.state.kind !== "queued" || this.stopped || !this.ready || !this.options.gateway.isConnected()) break;
        if (this.clock.now() - entry.message.createdAt > this.options.maxAgeMs) {
          this.settle(entry, "expired");
          continue;
        }
        const { tries, expiry } = entry.state;
        entry.state = { kind: "sending", tries, expiry };
        const result = await sendOnce(entry.message, this.options.gateway, this.options.attachments);
        if (!result.ok && !this.entries.has(entry.message.messageId)) {
          // The row left the queue in Convex while this send was out: nothing to retry or report.
          this.settle(entry, "elsewhere");
          continue;
        }
        if (result.ok) {
          // "started" is a new agent run; a resend of a finished key ("ok") started nothing.
          if (result.status === "started") this.slots.started(queue.sessionKey, result.runId);
          this.settle(entry, "delivered");
          continue;
        }
        const delay = this.afterFailure(entry, tries, expiry, result.failure);
        if (delay !== undefined) {
          if (!this.stopped) next = { kind: "backoff", timer: this.clock.setTimeout(() => this.retry(queue), delay) };
          break;
        }
      }
    } finally {
      queue.state = next;
      if (queue.messages.length === 0 && next.kind === "idle") this.sessions.delete(queue.sessionKey);
      // Last: giving the slot back may pump a waiting session at once.
      this.slots.doneSending(queue.sessionKey);
    }
  }

  /** Applies the retry rule (send-retry.ts) to the message's own record: settles it, or puts it back and says how long to wait. */
  private afterFailure(entry: Entry, tries: Tries, expiry: TimerHandle, failure: GatewayFailure): number | undefined {
    const pastAge = this.clock.now() - entry.message.createdAt > this.options.maxAgeMs;
    const next = nextTry(tries, failure, pastAge, this.retryRule);
    if (next.kind === "failed") {
      this.settle(entry, "failed", failure, next.races);
      return undefined;
    }
    if (next.kind === "expired") {
      // Its expiry fell due while this send was in flight (and was skipped for it): settle it now,
      // or a Gateway that stays away would leave the row queued for good.
      this.settle(entry, "expired");
      return undefined;
    }
    entry.state = { kind: "queued", tries: next.tries, expiry };
    const { failures } = next.tries;
    this.options.logger.info("chat.send did not go through; will retry", { messageId: entry.message.messageId, code: failure.code, failures });
    return next.delayMs;
  }

  private retry(queue: SessionQueue): void {
    if (queue.state.kind !== "backoff") return;
    queue.state = { kind: "idle" };
    if (queue.messages.length === 0) {
      this.sessions.delete(queue.sessionKey);
      return;
    }
    void this.pump(queue);
  }
}
