/** Convex's HTTP function API (what ConvexHttpClient calls): /api/query, /api/mutation, /api/action, /api/function, /api/query_ts. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { JSONValue } from "convex/values";
import { authFromHeader, AuthenticationError, type CallerAuth } from "./caller-auth.js";
import type { FunctionRunner } from "./function-runner.js";
import type { FunctionKind } from "./module-loader.js";
import type { LocalConvexLogger } from "./local-logger.js";
import { isJsonContentType, originAllowed } from "./origin-policy.js";
import type { StatsCollector } from "./stats.js";
import { canonicalizeUdfPath, encodeTs } from "./sync-protocol.js";

/** ConvexHttpClient treats this status as "the function threw" and reads errorMessage/errorData. */
const STATUS_UDF_FAILED = 560;
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface HttpApiContext {
  runner: FunctionRunner;
  stats: StatsCollector;
  logger: LocalConvexLogger;
  adminKey: string | undefined;
  readTs: () => Promise<bigint>;
  afterWrite: () => void;
  /** Browser origins allowed to call (the server's own site); requests without an Origin are always allowed. */
  allowedOrigins: () => ReadonlySet<string>;
}

const ROUTES: Record<string, FunctionKind | "any"> = {
  "/api/query": "query",
  "/api/query_at_ts": "query", // no history here: answered from the current state
  "/api/mutation": "mutation",
  "/api/action": "action",
  "/api/function": "any",
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, "RequestTooLarge", "Request body too large");
    chunks.push(chunk as Buffer);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "BadJsonBody", "Request body is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, "BadJsonBody", "Request body must be a JSON object");
  }
  return parsed as Record<string, unknown>;
}

function callerAuth(req: IncomingMessage, adminKey: string | undefined): CallerAuth {
  try {
    return authFromHeader(req.headers.authorization, adminKey);
  } catch (error) {
    if (error instanceof AuthenticationError) throw new HttpError(401, "Unauthenticated", error.message);
    throw error;
  }
}

/** Handles one HTTP request; returns false when the path is not part of this API. */
export async function handleHttpApi(ctx: HttpApiContext, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
  const route = ROUTES[pathname];
  if (route === undefined && pathname !== "/api/query_ts") return false;
  const origin = req.headers.origin;
  try {
    // Any other web page is refused before anything runs: no CORS answer, no function call, no timestamp.
    if (!originAllowed(origin, ctx.allowedOrigins())) throw new HttpError(403, "ForbiddenOrigin", "This origin may not call the local Convex server");
    if (origin !== undefined) {
      res.setHeader("Access-Control-Allow-Origin", origin);
      res.setHeader("Vary", "Origin");
    }
    if (req.method === "OPTIONS") {
      res.writeHead(204, {
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type, Authorization, Convex-Client",
      });
      res.end();
      return true;
    }
    if (req.method !== "POST") throw new HttpError(405, "MethodNotAllowed", `${req.method} is not allowed`);
    // A form or a "simple" cross-site fetch can only send text/plain, urlencoded or multipart bodies.
    if (!isJsonContentType(req.headers["content-type"])) {
      throw new HttpError(415, "UnsupportedMediaType", "POST bodies must be application/json");
    }
    if (route === undefined) {
      sendJson(res, 200, { ts: encodeTs(await ctx.readTs()) });
      return true;
    }
    const auth = callerAuth(req, ctx.adminKey);
    const body = await readJsonBody(req);
    if (typeof body.path !== "string") throw new HttpError(400, "BadRequest", `Missing "path"`);
    if (body.format !== undefined && body.format !== "convex_encoded_json") {
      throw new HttpError(400, "BadRequest", `Unsupported format "${String(body.format)}"`);
    }
    const udfPath = canonicalizeUdfPath(body.path);
    ctx.stats.request(udfPath);
    const args = (body.args ?? {}) as JSONValue[] | JSONValue;
    const outcome = await ctx.runner.call(route, udfPath, args, auth);
    if (outcome.kind !== undefined && outcome.kind !== "query") ctx.afterWrite();
    if (outcome.success) {
      sendJson(res, 200, { status: "success", value: outcome.value, logLines: [] });
    } else {
      sendJson(res, STATUS_UDF_FAILED, {
        status: "error",
        errorMessage: outcome.errorMessage,
        ...(outcome.errorData !== undefined ? { errorData: outcome.errorData } : {}),
        logLines: [],
      });
    }
  } catch (error) {
    if (error instanceof HttpError) {
      sendJson(res, error.status, { code: error.code, message: error.message });
    } else {
      ctx.logger.error("HTTP API request failed", { path: pathname, error: String(error) });
      sendJson(res, 500, { code: "InternalServerError", message: String(error) });
    }
  }
  return true;
}
