/** `pair --save`: the events and the QR image of one pairing, in a private directory under the state dir, for an agent to pick up. */
import { rm } from "node:fs/promises";
import path from "node:path";
import { statePaths, type Env } from "../config/paths.js";
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
  /** Appends one event (a JSON line) to events.jsonl. */
  record(line: string): Promise<void>;
  writeQr(payload: string): Promise<void>;
  /** The code is no longer claimable: the image goes; events.jsonl stays for whoever waits on the outcome. */
  close(): Promise<void>;
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
  return {
    where,
    record: (line) => log.append(line),
    writeQr: (payload) => writeQrFile(where.qr, payload),
    close: async () => {
      await log.close();
      await rm(where.qr, { force: true });
    },
  };
}
