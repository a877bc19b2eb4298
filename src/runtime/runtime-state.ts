/** runtime.json: what the running relay last knew about itself, for `status` (no secrets, no text). */
import { readFile, rename, writeFile } from "node:fs/promises";
import type { SpoolStatus } from "../convex-sync/spool-health.js";

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
  instanceId?: string;
  lastError?: { message: string; at: number };
}

export async function writeRuntimeState(file: string, state: RuntimeState): Promise<void> {
  // Write-then-rename so a reader never sees half a file.
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}

export async function readRuntimeState(file: string): Promise<RuntimeState | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as RuntimeState;
  } catch {
    return undefined;
  }
}
