/** runtime.json: what the running relay last knew about itself, for `status` (no secrets, no text). */
import { randomBytes } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import type { SpoolStatus } from "../convex-sync/spool-health.js";

/** How often a running relay rewrites runtime.json even when nothing changed: its heartbeat. */
export const RUNTIME_REFRESH_MS = 5_000;

/**
 * runtime.json older than this means the relay stopped updating it (frozen, blocked, or unable to write):
 * `status` reports it as not responding. Four refresh periods: one late or failed refresh on a loaded
 * machine (a slow disk, a long GC, a busy event loop) must not flag a healthy relay, while a freeze
 * still shows within 20 s, well before anyone would trust a "connected" that old.
 */
export const RUNTIME_STALE_AFTER_MS = 4 * RUNTIME_REFRESH_MS;

export interface RuntimeState {
  pid: number;
  startedAt: number;
  updatedAt: number;
  relayVersion: string;
  gateway: {
    url: string;
    connected: boolean;
    serverVersion?: string;
    protocol?: number;
    scopes?: string[];
    lastError?: { code?: string; message: string; at: number };
  };
  convex: {
    url: string;
    connected: boolean;
    spooledWrites: number;
    /** Times Convex answered so slowly that writes overflowed to the spool (in-flight bound reached). */
    overflowEvents?: number;
    /** Whether the spool can be written and replayed; failing means writes wait in memory only. */
    spool?: SpoolStatus;
    lastError?: { message: string; at: number };
  };
  /** Optional features and why one is off (`relay.cronControl`, scopes the Gateway granted). */
  features?: { cronControl: { enabled: boolean; reason?: string } };
  instanceId?: string;
  lastError?: { message: string; at: number };
}

export async function writeRuntimeState(file: string, state: RuntimeState): Promise<void> {
  // Write-then-rename so a reader never sees half a file; a temp name per write, so two writes in
  // flight at once never rename (or clobber) each other's file.
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  }
}

export async function readRuntimeState(file: string): Promise<RuntimeState | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as RuntimeState;
  } catch {
    return undefined;
  }
}
