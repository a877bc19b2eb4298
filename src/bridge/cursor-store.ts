/** Durable per-session catch-up cursors (cursors.json), written atomically. */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";

interface CursorFile {
  /** Cursors are only meaningful for the instance (and its Convex data) they were taken for. */
  instanceId?: string;
  sessions: Record<string, string>;
}

export class CursorStore {
  private data: CursorFile = { sessions: {} };
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly instanceId: string | undefined,
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

  /** Records a cursor; the caller has already made the messages before it durable. */
  set(sessionKey: string, cursor: string): Promise<void> {
    this.data.sessions[sessionKey] = cursor;
    const snapshot = JSON.stringify(this.data);
    this.saving = this.saving.then(() => this.save(snapshot), () => this.save(snapshot));
    return this.saving;
  }

  private async save(snapshot: string): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, snapshot, { mode: 0o600 });
    await rename(tmp, this.file);
  }
}
