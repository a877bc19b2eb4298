/** `pair --save`: the events and the QR image of one pairing, in a private directory under the state dir, for an agent to pick up. */
import { rm } from "node:fs/promises";
import path from "node:path";
import { statePaths, type Env } from "../config/paths.js";
import type { PairEvent } from "./pair-flow.js";
import { createPrivateLog, ensurePrivateDir, type PrivateLog } from "./private-files.js";
import { writeQrFile } from "./qr.js";

/** The `files` event: where this pairing's files are (the first event `pair --save` prints). */
export interface PairFilesEvent {
  event: "files";
  dir: string;
  events: string;
  qr: string;
}

export interface PairFiles {
  where: PairFilesEvent;
  /** Records one event in events.jsonl; the `pairing` event also writes qr.png. */
  event(event: PairEvent): Promise<void>;
  /**
   * The pairing ended (`status`, or the error it failed with): recorded as the last line, then the
   * image goes (the code is no longer claimable); events.jsonl stays for whoever waits on the outcome.
   */
  close(end: { status: string } | { error: unknown }): Promise<void>;
}

/** `<state dir>/pairing`: 0700, like the state dir itself, whatever the umask or the dir's history. */
export function pairFilesDir(env: Env): string {
  return path.join(statePaths(env).dir, "pairing");
}

export async function openPairFiles(env: Env): Promise<PairFiles> {
  const dir = pairFilesDir(env);
  // Only this directory is checked: the state dir above it may be a link the owner set up on purpose.
  await ensurePrivateDir(dir);
  const where: PairFilesEvent = { event: "files", dir, events: path.join(dir, "events.jsonl"), qr: path.join(dir, "qr.png") };
  // A previous pairing's image holds a dead code at best: never left for the agent to send by mistake.
  await rm(where.qr, { force: true });
  const log: PrivateLog = await createPrivateLog(where.events);
  await log.append(JSON.stringify(where));
  return {
    where,
    event: async (event) => {
      if (event.event === "pairing") await writeQrFile(where.qr, event.payload);
      await log.append(JSON.stringify(event));
    },
    close: async (end) => {
      try {
        const last =
          "status" in end
            ? { event: "done", status: end.status }
            : { event: "error", message: end.error instanceof Error ? end.error.message : String(end.error) };
        await log.append(JSON.stringify(last));
      } finally {
        await log.close();
        await rm(where.qr, { force: true });
      }
    },
  };
}
