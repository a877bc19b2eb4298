/** The loop the product exists for: joins the Gateway connection and Convex, both ways. */
import { MAX_KEEP_LIST } from "../../convex/lib/limits.js";
import type { AttachmentPolicy } from "../gateway/chat-attachments.js";
import type { ChatUpdate } from "../gateway/chat-update.js";
import { systemClock, type Clock } from "../gateway/clock.js";
import type { TranscriptRow } from "../gateway/transcript-row.js";
import type { Logger } from "../logging/logger.js";
import { api } from "../convex-sync/relay-api.js";
import { AbortHandler } from "./abort-handler.js";
import type { AttachmentSource } from "./app-files.js";
import { filePolicyArgs } from "./file-policy.js";
import type { CursorStore } from "./cursor-store.js";
import { Outbox, type PendingMessage } from "./outbox.js";
import type { ConvexSide, GatewayEventSink, GatewayPort, GatewaySessionInfo } from "./ports.js";
import { Presence } from "./presence.js";
import { SessionSync } from "./session-sync.js";
import { StreamCoalescer } from "./stream-coalescer.js";
import { TranscriptMirror, type MediaSink } from "./transcript-mirror.js";

export interface RelayBridgeOptions {
  gateway: GatewayPort;
  convex: ConvexSide;
  cursors: CursorStore;
  logger: Logger;
  relayVersion: string;
  maxMessageAgeMs: number;
  streamWritesPerSecond: number;
  backfillPerSession: number;
  heartbeatIntervalMs?: number;
  /** Time and timers of the outbox, stream writes, cursor refreshes, session list debounce and heartbeats; the system clock by default. */
  clock?: Clock;
  /** Sessions the outbox drives at once (default MAX_CONCURRENT_SESSIONS). */
  maxConcurrentSessions?: number;
  /** Where an app message's files come from (AppFiles); without it messages go without files. */
  attachments?: AttachmentSource;
  /** Where mirrored rows with files go (MediaMirror); without it their files are not stored. */
  media?: MediaSink;
  /** `relay.fileRetentionDays`, published with the Gateway's file limits; Convex's default without it. */
  fileRetentionDays?: number;
}

/**
 * Queued app messages taken per subscription update (the backend allows up to MAX_PENDING_LIMIT). Every
 * change re-sends the whole window, so under a backlog its size is what each update costs Convex and the
 * relay; 50 rows still keep every one of the sessions driven at once busy. At 200, a 200 messages/s backlog
 * saturated the local stand-in (115/s carried) and the relay grew by up to 58 MiB (bench rows 3 and 5).
 */
const PENDING_PER_UPDATE = 50;

/** What the app shows on a reply that stopped when a relay process ended mid-stream. */
export const ORPHANED_STREAM_REASON = "interrupted: the relay restarted during this reply";

export class RelayBridge implements GatewayEventSink {
  private readonly outbox: Outbox;
  private readonly streams: StreamCoalescer;
  private readonly mirror: TranscriptMirror;
  private readonly sessions: SessionSync;
  private readonly aborts: AbortHandler;
  private readonly presence: Presence;
  private readonly unsubscribes: Array<() => void> = [];
  /** Increments per connect, so a slow catch-up from an older connection can't open the outbox. */
  private connectGeneration = 0;
  private readonly clock: Clock;

  constructor(private readonly options: RelayBridgeOptions) {
    const { gateway, convex, logger } = options;
    this.clock = options.clock ?? systemClock;
    const clock = this.clock;
    this.outbox = new Outbox({
      gateway,
      convex,
      logger,
      clock,
      maxAgeMs: options.maxMessageAgeMs,
      ...(options.maxConcurrentSessions !== undefined ? { maxConcurrentSessions: options.maxConcurrentSessions } : {}),
      ...(options.attachments ? { attachments: options.attachments } : {}),
    });
    this.streams = new StreamCoalescer({ convex, logger, writesPerSecond: options.streamWritesPerSecond, clock });
    this.mirror = new TranscriptMirror({
      gateway,
      convex,
      cursors: options.cursors,
      logger,
      backfillPerSession: options.backfillPerSession,
      clock,
      ...(options.media ? { media: options.media } : {}),
    });
    this.sessions = new SessionSync({
      gateway,
      convex,
      logger,
      clock,
    });
    this.aborts = new AbortHandler(gateway, logger);
    this.presence = new Presence(convex, { relayVersion: options.relayVersion, gatewayConnected: false }, options.heartbeatIntervalMs, clock);
  }

  start(): void {
    this.subscribe();
    this.presence.start();
  }

  /** Subscriptions carry the secret they were made with: after `pair --reset` they are made again. */
  resubscribe(): void {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    this.subscribe();
    this.presence.beat();
  }

  private subscribe(): void {
    const { convex, logger } = this.options;
    const onError = (what: string) => (error: Error) =>
      logger.error(`Convex subscription ${what} failed`, { error: error.message });
    this.unsubscribes.push(
      convex.subscribe(
        api.relay.pendingMessages,
        { limit: PENDING_PER_UPDATE },
        (pending) => this.outbox.update(validPending(pending, logger)),
        onError("pendingMessages"),
      ),
      convex.subscribe(api.relay.abortRequests, {}, (requests) => this.aborts.update(requests), onError("abortRequests")),
    );
  }

  connected(info: { serverVersion?: string; attachmentPolicy?: AttachmentPolicy }): void {
    const generation = ++this.connectGeneration;
    // The coalescer stamps runs with the same clock: a run heard since this instant is live.
    const connectedAt = this.clock.now();
    this.presence.update({ gatewayConnected: true, ...(info.serverVersion ? { gatewayVersion: info.serverVersion } : {}) });
    // Every connect: the limits are a snapshot of this connection (an unchanged policy writes nothing in Convex).
    const policy = filePolicyArgs(info.attachmentPolicy, this.options.fileRetentionDays);
    if (policy) void this.options.convex.write(api.files.setPolicy, policy);
    this.outbox.setReady(false);
    void this.afterConnect(generation, connectedAt);
  }

  /** Sessions first, then catch-up, then sends: a send already in the transcript is merged, not redone. */
  private async afterConnect(generation: number, connectedAt: number): Promise<void> {
    const { logger } = this.options;
    let sessions: GatewaySessionInfo[] | undefined;
    try {
      sessions = await this.sessions.sync();
    } catch {
      // logged by SessionSync; catch up what we already know
    }
    const keys = (sessions ?? []).map((session) => session.sessionKey);
    await this.mirror.catchUp([...keys, ...this.options.cursors.sessionKeys()]);
    if (generation !== this.connectGeneration || !this.options.gateway.isConnected()) return;
    if (sessions) {
      const active = new Set(sessions.filter((session) => session.hasActiveRun === true).map((session) => session.sessionKey));
      const closed = this.streams.interruptInactive(active, connectedAt);
      if (closed > 0) logger.info("closed replies that ended while the gateway was unreachable", { closed });
      this.closeOrphanedStreams(sessions);
    }
    logger.info("gateway caught up", { sessions: keys.length });
    this.outbox.setReady(true);
    this.aborts.pump();
  }

  /**
   * Replies an earlier relay process was streaming when it died have no owner here; once their run is
   * over (its session is not busy) Convex closes them, so the app stops showing them as in progress.
   * A session whose busy state the Gateway doesn't report is left alone.
   */
  private closeOrphanedStreams(sessions: readonly GatewaySessionInfo[]): void {
    const keepSessionKeys = sessions.filter((session) => session.hasActiveRun !== false).map((session) => session.sessionKey);
    const keepRunIds = this.streams.runIds;
    if (keepSessionKeys.length > MAX_KEEP_LIST || keepRunIds.length > MAX_KEEP_LIST) return;
    void this.options.convex.write(api.relay.closeOrphanedStreams, { keepRunIds, keepSessionKeys, reason: ORPHANED_STREAM_REASON });
  }

  disconnected(reason: { code?: string; message: string }): void {
    this.outbox.setReady(false);
    this.presence.update({ gatewayConnected: false, gatewayError: reason.code ?? reason.message });
  }

  chat(event: ChatUpdate): void {
    this.streams.handle(event);
    if (event.state === "final" || event.state === "error" || event.state === "aborted") this.outbox.runEnded(event.runId);
  }

  sessionMessage(sessionKey: string, message: TranscriptRow): void {
    this.mirror.live(sessionKey, message);
  }

  sessionsChanged(): void {
    this.sessions.changed();
  }

  /** Stops taking work, writes pending stream text, and says goodbye; the caller then flushes Convex. */
  async stop(): Promise<void> {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    this.outbox.stop();
    this.sessions.stop();
    this.mirror.stop();
    this.streams.flushAll();
    this.streams.stop();
    await this.presence.stop();
    await this.options.cursors.flush();
  }
}

/** Drops rows that don't look like the contract says (logged without their text) instead of crashing. */
function validPending(rows: unknown, logger: Logger): PendingMessage[] {
  if (!Array.isArray(rows)) {
    logger.warn("pendingMessages returned something that is not a list; ignored");
    return [];
  }
  const valid: PendingMessage[] = [];
  for (const row of rows as Array<Partial<PendingMessage>>) {
    if (
      typeof row?.messageId === "string" &&
      typeof row.sessionKey === "string" &&
      typeof row.text === "string" &&
      typeof row.runId === "string" &&
      typeof row.createdAt === "number" &&
      (row.fileCount === undefined || typeof row.fileCount === "number")
    ) {
      valid.push(row as PendingMessage);
    } else {
      logger.warn("skipped a malformed pending message", { messageId: typeof row?.messageId === "string" ? row.messageId : "?" });
    }
  }
  return valid;
}
