/** Files that hold a live pairing code: mode 0600 from their first byte, never through a link or into someone else's file. */
import { constants } from "node:fs";
import { chmod, lstat, mkdir, open, unlink } from "node:fs/promises";

/** This process's user id (undefined on Windows, where POSIX ownership does not apply). */
export function currentUid(): number | undefined {
  return typeof process.getuid === "function" ? process.getuid() : undefined;
}

const errno = (error: unknown): string | undefined => (error as { code?: string } | undefined)?.code;

/** `dir` as a directory only this user can enter: created 0700, or checked to be a real directory of ours and set to 0700. */
export async function ensurePrivateDir(dir: string, uid = currentUid()): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const stat = await lstat(dir);
  if (!stat.isDirectory()) throw new Error(`${dir} is not a directory (a link?): refusing to keep the pairing code there`);
  if (uid !== undefined && stat.uid !== uid) throw new Error(`${dir} belongs to another user: refusing to keep the pairing code there`);
  await chmod(dir, 0o700);
}

/**
 * Clears the way for a new file at `file`: a regular file of ours is removed; a link, a directory or
 * another user's file is refused (in a shared directory such as /tmp it may be planted to read the code).
 */
async function clearOwnFile(file: string, uid: number | undefined): Promise<void> {
  try {
    const stat = await lstat(file);
    if (!stat.isFile() || (uid !== undefined && stat.uid !== uid)) {
      throw new Error(`${file} exists and is not a file of yours: refusing to write the pairing code there`);
    }
    await unlink(file);
  } catch (error) {
    if (errno(error) !== "ENOENT") throw error;
  }
}

/** Opens a new file 0600 (O_EXCL, O_NOFOLLOW: nothing at that name can be reused or followed). */
async function createPrivate(file: string, uid: number | undefined) {
  await clearOwnFile(file, uid);
  const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
  // The umask can only take bits away; this makes the mode exact whatever it is.
  await handle.chmod(0o600);
  return handle;
}

/** Writes `data` as a new 0600 file at `file`. */
export async function writePrivateFile(file: string, data: string | Uint8Array, uid = currentUid()): Promise<void> {
  const handle = await createPrivate(file, uid);
  try {
    await handle.writeFile(data);
  } finally {
    await handle.close();
  }
}

export interface PrivateLog {
  append(line: string): Promise<void>;
  close(): Promise<void>;
}

/** A new 0600 file that lines are appended to (and flushed) one by one, so a reader sees each event at once. */
export async function createPrivateLog(file: string, uid = currentUid()): Promise<PrivateLog> {
  const handle = await createPrivate(file, uid);
  return {
    append: async (line) => {
      await handle.appendFile(`${line}\n`);
    },
    close: () => handle.close(),
  };
}
