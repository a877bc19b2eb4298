/** `ctx.storage` on the local server: convex-test's storage syscalls replaced by ones that keep bytes in a FileStore. */
import type { ConvexGlobal, DatabaseFake, StoredDoc } from "./convex-test-internals.js";
import { sha256Base64, type FileStore } from "./file-store.js";

export interface StorageSyscallDeps {
  global: ConvexGlobal;
  db: DatabaseFake;
  files: FileStore;
  /** The deployment URL (CONVEX_CLOUD_URL): upload and file URLs live under its /api/storage. */
  cloudUrl: () => string;
  /** Runs `write` in a transaction of its own, for writes made outside one (actions, the upload endpoint). */
  inTransaction: <T>(write: () => Promise<T>) => Promise<T>;
  onError: (message: string, error: unknown) => void;
}

export interface StoredFile {
  bytes: Uint8Array;
  contentType: string | null;
  sha256: string;
}

export interface LocalFileStorage {
  /** Stores an uploaded body as a new file, in a transaction of its own; returns its `_storage` id. */
  storeUpload(bytes: Uint8Array, contentType: string | null): Promise<string>;
  /** The file a `getUrl` URL names, or null when it is unknown or deleted. */
  readByUrlToken(token: string): Promise<StoredFile | null>;
}

type StorageDoc = StoredDoc & { sha256: string; size: number; contentType?: string };

const STORAGE_TABLE = "_storage";

function isStorageDoc(doc: StoredDoc | null): doc is StorageDoc {
  return doc !== null && typeof doc.sha256 === "string" && typeof doc.size === "number";
}

function requireStorageId(args: Record<string, unknown>): string {
  const id = args.storageId;
  if (typeof id !== "string") throw new Error("storageId must be a string");
  return id;
}

/**
 * Replaces the storage syscalls of one convexTest instance. Files are written before their `_storage`
 * document commits and removed after a delete commits; the ids touched in a transaction are settled at the
 * next outermost commit (convex-test runs one top-level transaction at a time), so a rolled-back store leaves
 * no file behind and a rolled-back delete keeps its file.
 */
export function installFileStorage(deps: StorageSyscallDeps): LocalFileStorage {
  const { global, db, files } = deps;
  const originalAsync = global.asyncSyscall;
  const originalJs = global.jsSyscall;
  const touched = new Set<string>();

  const pendingIn = (id: string): boolean => db._writes.some((level) => Object.hasOwn(level, id));
  const settle = (): void => {
    for (const id of [...touched]) {
      if (pendingIn(id)) continue;
      touched.delete(id);
      if (!Object.hasOwn(db._documents, id)) files.remove(id).catch((error: unknown) => deps.onError("removing a stored file failed", error));
    }
  };
  const commit = db.commit;
  db.commit = function (this: DatabaseFake, commitTs?: bigint | null): void {
    const outermost = this._writes.length === 1;
    commit.call(this, commitTs);
    if (outermost) settle();
  };

  const metadata = (storageId: string): StorageDoc | null => {
    const doc = db.get(STORAGE_TABLE, storageId);
    return isStorageDoc(doc) ? doc : null;
  };

  /** Inside the caller's open transaction. */
  const insertFile = async (bytes: Uint8Array, contentType: string | null, expectedSha256?: string): Promise<string> => {
    const sha256 = await sha256Base64(bytes);
    if (expectedSha256 !== undefined && expectedSha256 !== sha256) throw new Error("the file's sha256 does not match the one given");
    const doc = { sha256, size: bytes.length, ...(contentType ? { contentType } : {}) };
    const storageId = db.insert(STORAGE_TABLE, doc);
    touched.add(storageId);
    await files.write(storageId, bytes);
    return storageId;
  };

  const read = async (storageId: string): Promise<StoredFile | null> => {
    const doc = metadata(storageId);
    if (doc === null) return null;
    const bytes = await files.read(storageId);
    return bytes === null ? null : { bytes, contentType: doc.contentType ?? null, sha256: doc.sha256 };
  };

  global.asyncSyscall = async (op, jsonArgs) => {
    const args = JSON.parse(jsonArgs) as Record<string, unknown>;
    switch (op) {
      case "1.0/storageGenerateUploadUrl":
        return JSON.stringify(`${deps.cloudUrl()}/api/storage/upload?token=${files.newUploadToken()}`);
      case "1.0/storageGetUrl": {
        const storageId = requireStorageId(args);
        if (metadata(storageId) === null) return JSON.stringify(null);
        return JSON.stringify(`${deps.cloudUrl()}/api/storage/${files.urlToken(storageId)}`);
      }
      case "1.0/storageGetMetadata": {
        const storageId = requireStorageId(args);
        const doc = metadata(storageId);
        if (doc === null) return JSON.stringify(null);
        const sha256 = Buffer.from(doc.sha256, "base64").toString("hex");
        return JSON.stringify({ storageId, sha256, size: doc.size, contentType: doc.contentType ?? null });
      }
      case "1.0/storageDelete": {
        touched.add(requireStorageId(args));
        const result = await originalAsync(op, jsonArgs);
        // In an action the delete committed already, in a transaction of its own; in a mutation it is pending.
        settle();
        return result;
      }
      case "1.0/storageStore": {
        // A mutation's ctx.storage.store: the body comes base64-encoded, the transaction is the mutation's.
        if (typeof args.blob !== "string") throw new Error("blob must be base64 text");
        const contentType = typeof args.contentType === "string" && args.contentType !== "" ? args.contentType : null;
        const sha256 = typeof args.sha256 === "string" ? args.sha256 : undefined;
        return JSON.stringify(await insertFile(Buffer.from(args.blob, "base64"), contentType, sha256));
      }
      case "1.0/storageGet": {
        const file = await read(requireStorageId(args));
        return JSON.stringify(file === null ? null : { blob: Buffer.from(file.bytes).toString("base64"), contentType: file.contentType });
      }
      default:
        return await originalAsync(op, jsonArgs);
    }
  };

  global.jsSyscall = async (op, args) => {
    switch (op) {
      case "storage/storeBlob": {
        // Actions and HTTP actions: not in a transaction, so the document gets one of its own.
        const blob = args.blob;
        if (!(blob instanceof Blob)) throw new Error("store() expects a Blob");
        const bytes = new Uint8Array(await blob.arrayBuffer());
        const options = args.options as { sha256?: string } | undefined;
        return await deps.inTransaction(() => insertFile(bytes, blob.type || null, options?.sha256));
      }
      case "storage/getBlob": {
        const file = await read(requireStorageId(args));
        return file === null ? null : new Blob([new Uint8Array(file.bytes)], { type: file.contentType ?? "" });
      }
      default:
        return await originalJs(op, args);
    }
  };

  return {
    storeUpload: (bytes, contentType) => deps.inTransaction(() => insertFile(bytes, contentType)),
    readByUrlToken: async (token) => {
      const storageId = files.storageIdOfUrlToken(token);
      if (storageId === undefined) return null;
      // Committed state only: a URL serves what a finished transaction stored.
      return Object.hasOwn(db._documents, storageId) ? await read(storageId) : null;
    },
  };
}
