/** Durable per-session catch-up cursors (cursors.json), written atomically. */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../logging/logger.js";

interface CursorFile {
  /** Cursors are only meaningful for the instance (and its Convex data) they were taken for. */
  instanceId?: string;
  sessions: Record<string, string>;
}

export class CursorStore {
  private data: CursorFile = { sessions: {} };
  private saving: Promise<void> = Promise.resolve();
  /** The errno code (or message) of the last save while saves fail, so a failure is logged once. */
  private failing: string | undefined;

  constructor(
    private readonly file: string,
    private readonly instanceId: string | undefined,
    private readonly logger?: Logger,
  ) {}

  async load(): Promise<void> {
    try {
      const parsed = JSON.parse(await readFile(this.file, "utf8")) as CursorFile;
      if (parsed && typeof parsed.sessions === "object" && parsed.instanceId === this.instanceId) {
        this.data = { instanceId: this.instanceId, sessions: { ...parsed.sessions } };
        return;
      }
    } catch {
      // absent or unreadable: start without cursors, which means a backfill page per session
    }
    this.data = this.instanceId === undefined ? { sessions: {} } : { instanceId: this.instanceId, sessions: {} };
  }

  get(sessionKey: string): string | undefined {
    return this.data.sessions[sessionKey];
  }

  sessionKeys(): string[] {
    return Object.keys(this.data.sessions);
  }

  /**
   * Records a cursor; the caller has already made the messages before it durable. A file that can't
   * be written (full disk) keeps the older cursor, which is safe: catch-up then fetches a little more
   * than needed, and ingest is idempotent. The next save writes the newest cursors.
   */
  set(sessionKey: string, cursor: string): Promise<void> {
    this.data.sessions[sessionKey] = cursor;
    const snapshot = JSON.stringify(this.data);
    this.saving = this.saving.then(() => this.save(snapshot));
    return this.saving;
  }

  /**
   * Resolves once every cursor set so far is on disk (or its save has failed). Stopping waits for it:
   * a save cut off by the exit would leave its temp file behind and the newest cursor unsaved.
   */
  flush(): Promise<void> {
    return this.saving;
  }

  private async save(snapshot: string): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      await writeFile(tmp, snapshot, { mode: 0o600 });
      await rename(tmp, this.file);
    } catch (error) {
      await rm(tmp, { force: true }).catch(() => undefined);
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      if (this.failing !== code) this.logger?.warn("could not save the catch-up cursors; the older ones stay in force", { code });
      this.failing = code;
      return;
    }
    if (this.failing !== undefined) this.logger?.info("catch-up cursors saved again");
    this.failing = undefined;
  }
}
