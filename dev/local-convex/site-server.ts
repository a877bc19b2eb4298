/** The `.site` counterpart of the local server: HTTP requests on the second port run the routes of `convex/http.ts`. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FunctionRunner } from "./function-runner.js";
import { MAX_BODY_BYTES } from "./http-api.js";
import type { LocalConvexLogger } from "./local-logger.js";

export interface SiteContext {
  runner: FunctionRunner;
  logger: LocalConvexLogger;
  afterWrite: () => void;
}

// Node joins repeated headers itself; these describe the connection to this server, not the request.
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "host", "content-length"]);

function requestHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  return headers;
}

async function readBody(req: IncomingMessage): Promise<Buffer | "too large"> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return "too large";
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/** Answers one request of the site port from the project's HTTP actions. */
export async function handleSiteRequest(ctx: SiteContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!ctx.runner.hasHttpRouter()) return plain(res, 404, "This deployment has no HTTP actions (no convex/http.ts).\n");
  const method = (req.method ?? "GET").toUpperCase();
  const body = method === "GET" || method === "HEAD" ? undefined : await readBody(req);
  if (body === "too large") return plain(res, 413, "Request body too large\n");
  let response: Response;
  try {
    // A copy into a plain ArrayBuffer: a BodyInit under both Node's and the DOM's typings.
    response = await ctx.runner.fetch(req.url ?? "/", { method, headers: requestHeaders(req), ...(body ? { body: new Uint8Array(body) } : {}) });
  } catch (error) {
    // A deployment answers a throwing HTTP action with a 500 and logs it; so does this server.
    ctx.logger.error("HTTP action failed", { path: new URL(req.url ?? "/", "http://localhost").pathname, error: String(error) });
    return plain(res, 500, "Internal Server Error\n");
  } finally {
    ctx.afterWrite();
  }
  const bytes = method === "HEAD" ? Buffer.alloc(0) : Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  if (method !== "HEAD" && response.status !== 304) headers["content-length"] = String(bytes.length);
  res.writeHead(response.status, headers);
  res.end(bytes);
}
