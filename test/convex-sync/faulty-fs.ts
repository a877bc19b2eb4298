/** The real file system with faults on demand, for the spool: a full disk (ENOSPC) on append or fsync, EIO on reopen. */
import * as fsPromises from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import type { SpoolFs } from "../../src/convex-sync/spool.js";

export function errnoError(code: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected fault, ${syscall}`), { code, syscall });
}

export class FaultyFs implements SpoolFs {
  /** Appends write part of their bytes, then fail with ENOSPC: what a disk that fills up does. */
  full = false;
  /** fsync fails with this code (the data may or may not have reached the page cache). */
  fsyncFails: string | undefined;
  /** Opening the spool read-write (to empty it) fails with this code. */
  reopenFails: string | undefined;
  appendAttempts = 0;

  readonly mkdir = fsPromises.mkdir;
  readonly stat = fsPromises.stat;

  readonly open = async (file: Parameters<typeof fsPromises.open>[0], flags?: string | number, mode?: number | string): Promise<FileHandle> => {
    if (flags === "r+" && this.reopenFails) throw errnoError(this.reopenFails, "open");
    const handle = await fsPromises.open(file, flags, mode);
    const appendFile = handle.appendFile.bind(handle);
    const datasync = handle.datasync.bind(handle);
    handle.appendFile = async (data, options) => {
      this.appendAttempts += 1;
      if (this.full) {
        const text = String(data);
        await appendFile(text.slice(0, Math.floor(text.length / 2)), options);
        throw errnoError("ENOSPC", "write");
      }
      return appendFile(data, options);
    };
    handle.datasync = async () => {
      if (this.fsyncFails) throw errnoError(this.fsyncFails, "fdatasync");
      return datasync();
    };
    return handle;
  };
}
