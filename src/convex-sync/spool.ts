/** A durable, ordered on-disk journal of Convex-bound writes, kept while Convex is unreachable or behind. */
import * as fsPromises from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import path from "node:path";

export interface SpoolEntry {
  /** Function path, e.g. `relay:upsertStream`. */
  fn: string;
  /** Arguments without the credential: the writer adds it at send time, so the spool holds no secret. */
  args: Record<string, unknown>;
  /** When the write was first attempted (ms since epoch). */
  at: number;
}

/** The file system calls the spool makes: tests pass one that fails (ENOSPC, EIO) on demand. */
export type SpoolFs = Pick<typeof fsPromises, "mkdir" | "open" | "stat">;

export interface ExclusiveSpool {
  read(fromOffset: number, limit?: SpoolReadLimit): Promise<SpoolReadResult>;
  truncate(): Promise<void>;
}

/** Caps one read, so replaying a large spool never holds more than a window of it in memory. */
export interface SpoolReadLimit {
  maxEntries?: number;
  /** A single entry longer than this is still returned whole. */
  maxBytes?: number;
}

export interface SpoolReadResult {
  entries: SpoolEntry[];
  /** Byte offset just past the last complete entry read. */
  endOffset: number;
  /** Lines that could not be parsed (a torn tail after a crash, or damage): skipped, counted. */
  skipped: number;
}

/**
 * Appends are fsync'd before they resolve, so an acknowledged append survives a crash; one that
 * fails (ENOSPC, EIO) rejects and leaves nothing behind: the file is cut back to where it ended.
 * Reads tolerate a torn last line: a process killed mid-append leaves at most one partial line,
 * which is skipped rather than blocking every later entry (the next append starts a new line).
 */
export class Spool {
  readonly file: string;
  private handle: FileHandle | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  /** The append waiting for its turn; later appends join it and share its fsync. */
  private waiting: { entries: SpoolEntry[]; done: Promise<void> } | undefined;
  /** The file ends inside a line (a crash, or a failed append that could not be cut back). */
  private tornTail = false;

  constructor(
    dir: string,
    private readonly fs: SpoolFs = fsPromises,
  ) {
    this.file = path.join(dir, "writes.jsonl");
  }

  /** Runs `task` after every earlier spool operation, so appends and truncations never interleave. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const next = this.chain.then(task, task);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async fileHandle(): Promise<FileHandle> {
    if (!this.handle) {
      await this.fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      const handle = await this.fs.open(this.file, "a+", 0o600);
      try {
        const { size } = await handle.stat();
        if (size > 0 && (await readAt(handle, size - 1, 1))[0] !== 0x0a) this.tornTail = true;
      } catch (error) {
        await handle.close();
        throw error;
      }
      this.handle = handle;
    }
    return this.handle;
  }

  /**
   * Writes and fsyncs `text` at the end. On failure the file is cut back to its old length, so a
   * retry never lands behind half a line (which would make that entry unreadable); if even that
   * fails, the next append starts on a fresh line and the fragment is skipped as damaged.
   */
  private async appendNow(text: string): Promise<void> {
    const handle = await this.fileHandle();
    const before = (await handle.stat()).size;
    const prefix = this.tornTail ? "\n" : "";
    try {
      await handle.appendFile(prefix + text, "utf8");
      await handle.datasync();
      this.tornTail = false;
    } catch (error) {
      try {
        await handle.truncate(before);
        await handle.datasync();
      } catch {
        this.tornTail = true;
      }
      // Reopened at the next attempt: the file may have been replaced or repaired meanwhile.
      await this.closeHandle().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Appends that arrive while an earlier one is being written are written together (one fsync), so
   * a burst of overflowing writes costs a few fsyncs rather than one each. Order is kept either way.
   */
  append(entries: SpoolEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    if (this.waiting) {
      this.waiting.entries.push(...entries);
      return this.waiting.done;
    }
    const group: { entries: SpoolEntry[]; done: Promise<void> } = { entries: [...entries], done: Promise.resolve() };
    this.waiting = group;
    group.done = this.serial(async () => {
      if (this.waiting === group) this.waiting = undefined;
      await this.appendNow(group.entries.map((entry) => `${JSON.stringify(entry)}\n`).join(""));
    });
    return group.done;
  }

  /** Bytes currently in the spool (0 when absent). */
  async size(): Promise<number> {
    try {
      return (await this.fs.stat(this.file)).size;
    } catch {
      return 0;
    }
  }

  /** Reads complete entries starting at `fromOffset`, at most `limit` of them. */
  read(fromOffset = 0, limit: SpoolReadLimit = {}): Promise<SpoolReadResult> {
    return this.serial(() => this.readNow(fromOffset, limit));
  }

  private async readNow(fromOffset: number, limit: SpoolReadLimit = {}): Promise<SpoolReadResult> {
    let file: FileHandle;
    try {
      file = await this.fs.open(this.file, "r");
    } catch {
      return { entries: [], endOffset: 0, skipped: 0 };
    }
    let buffer: Buffer;
    try {
      const available = Math.max(0, (await file.stat()).size - fromOffset);
      let want = Math.min(available, Math.max(1, limit.maxBytes ?? available));
      buffer = await readAt(file, fromOffset, want);
      // A window that ends inside the first line is widened until that line is whole.
      while (buffer.indexOf(0x0a) === -1 && want < available) {
        want = Math.min(available, want * 2);
        buffer = await readAt(file, fromOffset, want);
      }
    } finally {
      await file.close();
    }
    const maxEntries = limit.maxEntries ?? Number.POSITIVE_INFINITY;
    // Widened for one long line: only that line is taken beyond the window.
    const end = Math.max(Math.min(buffer.length, limit.maxBytes ?? buffer.length), buffer.indexOf(0x0a) + 1);
    const entries: SpoolEntry[] = [];
    let skipped = 0;
    let offset = 0;
    while (offset < end && entries.length < maxEntries) {
      const newline = buffer.indexOf(0x0a, offset);
      if (newline === -1) break; // torn tail (still being written, or cut by a crash), or the window's end
      const line = buffer.subarray(offset, newline).toString("utf8");
      offset = newline + 1;
      const entry = parseEntry(line);
      if (entry) entries.push(entry);
      else if (line.trim().length > 0) skipped += 1;
    }
    return { entries, endOffset: fromOffset + offset, skipped };
  }

  /**
   * Runs `task` with exclusive access, after every append issued so far has reached the file.
   * The writer uses it to decide "drained" and switch modes with no append slipping in between.
   */
  exclusive<T>(task: (spool: ExclusiveSpool) => Promise<T>): Promise<T> {
    return this.serial(() =>
      task({
        read: (fromOffset, limit) => this.readNow(fromOffset, limit),
        truncate: () => this.truncateNow(),
      }),
    );
  }

  /**
   * Empties the spool in place: cutting a file needs no free space (a temp file and rename would
   * fail on a full disk), and a spool that was never written has nothing to empty.
   */
  private async truncateNow(): Promise<void> {
    await this.closeHandle();
    let handle: FileHandle;
    try {
      handle = await this.fs.open(this.file, "r+");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    try {
      await handle.truncate(0);
      await handle.datasync();
      this.tornTail = false;
    } finally {
      await handle.close();
    }
  }

  private async closeHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    if (handle) await handle.close();
  }

  close(): Promise<void> {
    return this.serial(() => this.closeHandle());
  }
}

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

function parseEntry(line: string): SpoolEntry | undefined {
  try {
    const value: unknown = JSON.parse(line);
    if (
      typeof value === "object" &&
      value !== null &&
      typeof (value as SpoolEntry).fn === "string" &&
      typeof (value as SpoolEntry).args === "object" &&
      (value as SpoolEntry).args !== null &&
      typeof (value as SpoolEntry).at === "number"
    ) {
      return value as SpoolEntry;
    }
  } catch {
    // fall through: a damaged line is reported by the caller's `skipped` count
  }
  return undefined;
}
