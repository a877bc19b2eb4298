/** `logs -f`: prints lines appended to a file, reopening it when it is rotated (renamed) or truncated. */
import { watch, type FSWatcher } from "node:fs";
import { open, readFile, stat, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { rotatedName } from "./transports.js";

export interface FollowOptions {
  /** Start at this byte offset of the current file (default: its end). */
  fromOffset?: number;
  onLine: (line: string) => void;
  signal: AbortSignal;
  /** Safety net for file systems where fs.watch misses events. */
  intervalMs?: number;
}

/** Resolves when `signal` aborts. */
export async function followFile(file: string, options: FollowOptions): Promise<void> {
  let handle: FileHandle | undefined;
  let ino = -1;
  let position = 0;
  let partial = "";
  let busy = false;
  let again = false;

  const openCurrent = async (offset: number | "end"): Promise<void> => {
    try {
      handle = await open(file, "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return; // not there yet / mid-rotation
      throw error;
    }
    const info = await handle.stat();
    ino = info.ino;
    position = offset === "end" ? info.size : Math.min(offset, info.size);
  };

  const drain = async (): Promise<void> => {
    if (!handle) return;
    const buffer = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      partial += buffer.subarray(0, bytesRead).toString("utf8");
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) options.onLine(line);
    }
  };

  /** Several rotations since the last look: print the whole files rotated after ours (relay<k-1>.log … relay1.log). */
  const catchUp = async (oldIno: number): Promise<void> => {
    let k = 0;
    for (let n = 1; n <= 100; n += 1) {
      const info = await stat(rotatedName(file, n)).catch(() => undefined);
      if (!info) break;
      if (info.ino === oldIno) {
        k = n;
        break;
      }
    }
    for (let n = k - 1; n >= 1; n -= 1) {
      const text = await readFile(rotatedName(file, n), "utf8").catch(() => "");
      for (const line of text.split("\n").slice(0, text.endsWith("\n") ? -1 : undefined)) options.onLine(line);
    }
  };

  const check = async (): Promise<void> => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      do {
        again = false;
        if (!handle) await openCurrent(0);
        await drain();
        const current = await stat(file).catch(() => undefined);
        if (current && handle && current.ino !== ino) {
          // Rotated: the old file is finished (drained above); the new one is read from its start.
          if (partial) options.onLine(partial);
          partial = "";
          await handle.close();
          handle = undefined;
          await catchUp(ino);
          await openCurrent(0);
          await drain();
        } else if (current && handle && current.size < position) {
          position = 0; // truncated in place
          partial = "";
          await drain();
        }
      } while (again && !options.signal.aborted);
    } finally {
      busy = false;
    }
  };

  await openCurrent(options.fromOffset ?? "end");
  let watcher: FSWatcher | undefined;
  try {
    // Watch the directory, not the file: a rename-based rotation replaces the file being watched.
    watcher = watch(path.dirname(file), { persistent: true }, () => void check().catch(() => undefined));
  } catch {
    watcher = undefined;
  }
  const timer = setInterval(() => void check().catch(() => undefined), options.intervalMs ?? 500);
  await check();
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    else options.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  clearInterval(timer);
  watcher?.close();
  await handle?.close();
}
