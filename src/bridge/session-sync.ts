/** Mirrors the Gateway's session list into Convex: at connect, and debounced on sessions.changed. */
import type { Logger } from "../logging/logger.js";
import { api } from "../convex-sync/relay-api.js";
import { clipChars, LIMITS } from "./clip.js";
import type { ConvexWrites, GatewayPort, GatewaySessionInfo } from "./ports.js";

export interface SessionSyncOptions {
  gateway: GatewayPort;
  convex: ConvexWrites;
  logger: Logger;
  debounceMs?: number;
}

const UPSERT_BATCH = 200;

export class SessionSync {
  private timer: NodeJS.Timeout | undefined;
  /** What Convex last got per session, so an unchanged list costs no write. */
  private readonly sent = new Map<string, string>();
  private running: Promise<GatewaySessionInfo[]> | undefined;

  constructor(private readonly options: SessionSyncOptions) {}

  changed(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sync().catch(() => undefined);
    }, this.options.debounceMs ?? 500);
    this.timer.unref();
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
    clearTimeout(this.timer);
  }

  private async syncNow(): Promise<GatewaySessionInfo[]> {
    let sessions: GatewaySessionInfo[];
    try {
      sessions = await this.options.gateway.sessionsList();
    } catch (error) {
      const failure = this.options.gateway.classifyError(error);
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
