/** The bytes of the local server's file storage: one file per `_storage` id in a directory, plus upload and serving tokens. */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** An upload URL works for one upload within this time, as a deployment's does (one hour). */
export const UPLOAD_URL_TTL_MS = 60 * 60_000;
/** The largest body the upload endpoint takes. */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;
/** Random bytes in an upload token or a file URL: they are bearer credentials, like a deployment's. */
const TOKEN_BYTES = 32;
// convex-test ids are digits then the table name; anything else never names a file here.
const STORAGE_ID = /^[0-9]+_storage$/;

export interface FileStoreOptions {
  /** Keep the files here (the caller owns the directory); default: a temp dir this store deletes on close(). */
  dir?: string;
  now?: () => number;
}

export class FileStore {
  readonly dir: string;
  private readonly ownsDir: boolean;
  private readonly now: () => number;
  private readonly uploadTokens = new Map<string, number>();
  private readonly urlTokenById = new Map<string, string>();
  private readonly idByUrlToken = new Map<string, string>();

  constructor(options: FileStoreOptions = {}) {
    this.ownsDir = options.dir === undefined;
    this.dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), "local-convex-files-"));
    this.now = options.now ?? Date.now;
  }

  /** A fresh single-use upload token. */
  newUploadToken(): string {
    this.forgetExpiredUploads();
    const token = randomBytes(TOKEN_BYTES).toString("hex");
    this.uploadTokens.set(token, this.now() + UPLOAD_URL_TTL_MS);
    return token;
  }

  /** Spends an upload token: true once per token, within its lifetime. */
  takeUploadToken(token: string): boolean {
    const expiresAt = this.uploadTokens.get(token);
    this.uploadTokens.delete(token);
    return expiresAt !== undefined && this.now() < expiresAt;
  }

  /** The unguessable token of a file's URL (made on first use, stable afterwards). */
  urlToken(storageId: string): string {
    let token = this.urlTokenById.get(storageId);
    if (token === undefined) {
      token = randomBytes(TOKEN_BYTES).toString("hex");
      this.urlTokenById.set(storageId, token);
      this.idByUrlToken.set(token, storageId);
    }
    return token;
  }

  storageIdOfUrlToken(token: string): string | undefined {
    return this.idByUrlToken.get(token);
  }

  async write(storageId: string, bytes: Uint8Array): Promise<void> {
    await writeFile(this.pathOf(storageId), bytes, { mode: 0o600 });
  }

  /** The bytes, or null when no file is kept for this id. */
  async read(storageId: string): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(await readFile(this.pathOf(storageId)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  /** Removes the bytes and forgets the file's URL: a URL handed out before answers 404 from now on. */
  async remove(storageId: string): Promise<void> {
    const token = this.urlTokenById.get(storageId);
    if (token !== undefined) this.idByUrlToken.delete(token);
    this.urlTokenById.delete(storageId);
    await rm(this.pathOf(storageId), { force: true });
  }

  /** Deletes the directory if this store made it. */
  close(): void {
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }

  private pathOf(storageId: string): string {
    if (!STORAGE_ID.test(storageId)) throw new Error(`not a storage id: ${JSON.stringify(storageId)}`);
    return path.join(this.dir, storageId);
  }

  private forgetExpiredUploads(): void {
    const now = this.now();
    for (const [token, expiresAt] of this.uploadTokens) if (expiresAt <= now) this.uploadTokens.delete(token);
  }
}

/** The `_storage` document's `sha256`: base64 of the digest, as a deployment stores it. */
export async function sha256Base64(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new Uint8Array(bytes));
  return Buffer.from(digest).toString("base64");
}
