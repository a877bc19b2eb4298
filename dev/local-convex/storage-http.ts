/** The deployment's file endpoints: `POST /api/storage/upload?token=…` (an upload URL) and `GET /api/storage/<token>` (a getUrl URL). */
import type { IncomingMessage, ServerResponse } from "node:http";
import { MAX_UPLOAD_BYTES, type FileStore } from "./file-store.js";
import type { LocalConvexLogger } from "./local-logger.js";
import { originAllowed } from "./origin-policy.js";
import type { LocalFileStorage } from "./storage-syscalls.js";

export interface StorageHttpContext {
  storage: LocalFileStorage;
  files: FileStore;
  logger: LocalConvexLogger;
  afterWrite: () => void;
  allowedOrigins: () => ReadonlySet<string>;
}

const UPLOAD_PATH = "/api/storage/upload";
const FILE_PATH = /^\/api\/storage\/([0-9a-f]{64})$/;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/** Answers with an error body; true, the "handled" answer of handleStorageHttp. */
function refuse(res: ServerResponse, status: number, code: string, message: string): true {
  sendJson(res, status, { code, message });
  return true;
}

async function readUpload(req: IncomingMessage): Promise<Buffer | "too large"> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_UPLOAD_BYTES) return "too large";
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Handles one request under /api/storage; returns false for any other path. */
export async function handleStorageHttp(ctx: StorageHttpContext, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const upload = url.pathname === UPLOAD_PATH;
  const file = FILE_PATH.exec(url.pathname);
  if (!upload && file === null) return false;
  const origin = req.headers.origin;
  // The tokens are bearer credentials, but other web pages still get nothing from this server (origin-policy.ts).
  if (!originAllowed(origin, ctx.allowedOrigins())) return refuse(res, 403, "ForbiddenOrigin", "This origin may not call the local Convex server");
  if (origin !== undefined) {
    res.setHeader("Access-Control-Allow-Origin", origin);
    res.setHeader("Vary", "Origin");
  }
  const method = (req.method ?? "GET").toUpperCase();
  if (method === "OPTIONS") {
    res.writeHead(204, { "Access-Control-Allow-Methods": upload ? "POST, OPTIONS" : "GET, HEAD, OPTIONS", "Access-Control-Allow-Headers": "Content-Type" });
    res.end();
    return true;
  }
  if (upload) {
    if (method !== "POST") return refuse(res, 405, "MethodNotAllowed", `${method} is not allowed`);
    // Spent before the body is read: each URL stores at most one file, and a broken upload asks for a new URL.
    if (!ctx.files.takeUploadToken(url.searchParams.get("token") ?? "")) {
      return refuse(res, 401, "InvalidUploadToken", "The upload URL is invalid, expired or already used");
    }
    const body = await readUpload(req);
    if (body === "too large") return refuse(res, 413, "RequestTooLarge", `Uploads are limited to ${MAX_UPLOAD_BYTES} bytes`);
    const contentType = req.headers["content-type"]?.trim() || null;
    const storageId = await ctx.storage.storeUpload(new Uint8Array(body), contentType);
    ctx.afterWrite();
    sendJson(res, 200, { storageId });
    return true;
  }
  if (method !== "GET" && method !== "HEAD") return refuse(res, 405, "MethodNotAllowed", `${method} is not allowed`);
  const stored = await ctx.storage.readByUrlToken(file?.[1] ?? "");
  if (stored === null) return refuse(res, 404, "FileNotFound", "File not found");
  res.writeHead(200, {
    "Content-Type": stored.contentType ?? "application/octet-stream",
    "Content-Length": stored.bytes.length,
    Digest: `sha-256=${stored.sha256}`,
  });
  res.end(method === "HEAD" ? undefined : Buffer.from(stored.bytes));
  return true;
}
