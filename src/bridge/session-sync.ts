/** Mirrors the Gateway's session list into Convex: at connect, and debounced on sessions.changed. */
import { systemClock, type Clock, type TimerHandle } from "../gateway/clock.js";
import type { Logger } from "../logging/logger.js";
import { api } from "../convex-sync/relay-api.js";
import { clipChars, LIMITS } from "./clip.js";
import { gatewayFailureOf, type ConvexWrites, type GatewayPort, type GatewaySessionInfo } from "./ports.js";

export interface SessionSyncOptions {
  gateway: GatewayPort;
  convex: ConvexWrites;
  logger: Logger;
  /** Time and timers (the debounce); the system clock by default. */
  clock?: Clock;
}

const UPSERT_BATCH = 200;
/** A burst of sessions.changed costs one list, this long after the last of them. */
const DEBOUNCE_MS = 500;

export class SessionSync {
  private timer: TimerHandle | undefined;
  /** What Convex last got per session, so an unchanged list costs no write. */
  private readonly sent = new Map<string, string>();
  private running: Promise<GatewaySessionInfo[]> | undefined;

  private readonly clock: Clock;

  constructor(private readonly options: SessionSyncOptions) {
    this.clock = options.clock ?? systemClock;
  }

  changed(): void {
    this.stop();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.sync().catch(() => undefined);
    }, DEBOUNCE_MS);
  }

  /** Fetches the list, writes what changed, and returns every session the gateway has. */
  sync(): Promise<GatewaySessionInfo[]> {
    // One list at a time: a burst of sessions.changed during a slow list must not pile up calls.
    this.running ??= this.syncNow().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  stop(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async syncNow(): Promise<GatewaySessionInfo[]> {
    let sessions: GatewaySessionInfo[];
    try {
      sessions = await this.options.gateway.sessionsList();
    } catch (error) {
      const failure = gatewayFailureOf(error);
      this.options.logger.warn("sessions.list failed", { code: failure.code, reason: failure.reason });
      throw error;
    }
    const changed = sessions.filter((session) => this.sent.get(session.sessionKey) !== JSON.stringify(session));
    for (let start = 0; start < changed.length; start += UPSERT_BATCH) {
      const batch = changed.slice(start, start + UPSERT_BATCH);
      await this.options.convex.write(api.relay.upsertSessions, { sessions: batch.map(clipSession) });
      for (const session of batch) this.sent.set(session.sessionKey, JSON.stringify(session));
    }
    return sessions;
  }
}

function clipSession(session: GatewaySessionInfo): GatewaySessionInfo {
  const clipped: GatewaySessionInfo = { ...session };
  if (clipped.title !== undefined) clipped.title = clipChars(clipped.title, LIMITS.title);
  if (clipped.lastMessagePreview !== undefined) clipped.lastMessagePreview = clipChars(clipped.lastMessagePreview, LIMITS.preview);
  if (clipped.model !== undefined) clipped.model = clipChars(clipped.model, LIMITS.model);
  if (clipped.status !== undefined) clipped.status = clipChars(clipped.status, LIMITS.status);
  return clipped;
}
