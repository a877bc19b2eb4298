/** One `run` per state dir: a lock file holding the owner's pid, taken over only when that process is gone. */
import { readFileSync } from "node:fs";
import { open, readFile, stat, unlink } from "node:fs/promises";
import { RelayError } from "../relay-error.js";
import { processAlive } from "./process-alive.js";

export interface RunLockDeps {
  pid: number;
  /** Whether `pid` is a live fastclaw-relay process (not merely a live pid: pids are reused after a reboot). */
  isRelayAlive: (pid: number) => boolean;
  now: () => number;
}

export interface RunLock {
  release(): Promise<void>;
}

/** Thrown when another live relay holds the lock; the message says who, the hint what to do. */
export class RunLockHeldError extends RelayError<"RUN_LOCK_HELD"> {
  override readonly name = "RunLockHeldError";
  readonly holderPid: number;
  constructor(file: string, holderPid: number) {
    super(
      "RUN_LOCK_HELD",
      `another fastclaw-relay run (pid ${holderPid}) is already using this state dir (lock: ${file}).`,
      "Two relays on one state dir would share its spool and cursors. Stop the other one first " +
        "(`fastclaw-relay stop` if it is the service, otherwise end that process), or give this one its own FASTCLAW_STATE_DIR.",
    );
    this.holderPid = holderPid;
  }
}

/** Takes the lock or throws RunLockHeldError. A lock left by a crashed relay is taken over. */
export async function acquireRunLock(file: string, deps: RunLockDeps = defaultRunLockDeps()): Promise<RunLock> {
  const content = `${JSON.stringify({ pid: deps.pid, startedAt: deps.now() })}\n`;
  const lock: RunLock = { release: () => releaseIfOurs(file, content) };
  if (await createExclusive(file, content)) return lock;
  // Taking over a stale lock is read-check-delete-create: a second guard file keeps two starters
  // from both deleting (one of them the other's fresh lock) and both believing they won.
  const guard = `${file}.takeover`;
  for (let attempt = 0; attempt < GUARD_ATTEMPTS; attempt += 1) {
    assertNotHeld(file, await readHolder(file), deps);
    if (await createExclusive(guard, content)) {
      try {
        assertNotHeld(file, await readHolder(file), deps);
        await unlink(file).catch(ignoreMissing);
        if (await createExclusive(file, content)) return lock;
      } finally {
        await unlink(guard).catch(ignoreMissing);
      }
      continue;
    }
    await removeIfOlder(guard, GUARD_STALE_MS, deps.now());
    await new Promise((resolve) => setTimeout(resolve, GUARD_WAIT_MS));
  }
  throw new RunLockHeldError(file, (await readHolder(file)) ?? 0);
}

const GUARD_ATTEMPTS = 100;
const GUARD_WAIT_MS = 20;
/** A takeover takes milliseconds; a guard this old was left by a starter that crashed in between. */
const GUARD_STALE_MS = 10_000;

function assertNotHeld(file: string, holder: number | undefined, deps: RunLockDeps): void {
  if (holder !== undefined && holder !== deps.pid && deps.isRelayAlive(holder)) throw new RunLockHeldError(file, holder);
}

/** Creates `file` with `content` unless it exists (O_EXCL); true if this call created it. */
async function createExclusive(file: string, content: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

async function removeIfOlder(file: string, ageMs: number, now: number): Promise<void> {
  const info = await stat(file).catch(() => undefined);
  if (info && now - info.mtimeMs > ageMs) await unlink(file).catch(ignoreMissing);
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== "ENOENT") throw error;
}

async function readHolder(file: string): Promise<number | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, "utf8")) as { pid?: unknown };
    return typeof parsed.pid === "number" && Number.isInteger(parsed.pid) && parsed.pid > 0 ? parsed.pid : undefined;
  } catch {
    // Empty or torn (a crash between create and write): nobody can be shown to hold it.
    return undefined;
  }
}

async function releaseIfOurs(file: string, content: string): Promise<void> {
  const current = await readFile(file, "utf8").catch(() => undefined);
  if (current === content) await unlink(file).catch(() => undefined);
}

/** The real process table: signal 0 for liveness, and on Linux the command line to rule out a reused pid. */
export function defaultRunLockDeps(): RunLockDeps {
  return {
    pid: process.pid,
    now: Date.now,
    isRelayAlive: (pid) => {
      // Someone else's process (EPERM) counts as alive: with a lock in our state dir, assume a relay.
      if (!processAlive(pid)) return false;
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("fastclaw-relay");
      } catch {
        return true; // no /proc (macOS): liveness is all we can know
      }
    },
  };
}
