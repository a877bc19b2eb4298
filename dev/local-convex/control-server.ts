/** Opt-in loopback HTTP control of a running local Convex server, for tests and benchmarks in another process. */
import { randomBytes, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { LocalConvexServer } from "./server.js";

/** The environment variable a parent process sets to choose the control token (never an argument: `ps` shows those). */
export const CONTROL_TOKEN_ENV = "LOCAL_CONVEX_CONTROL_TOKEN";
const MIN_TOKEN_CHARS = 32;

export function newControlToken(): string {
  return randomBytes(32).toString("base64url");
}

/** The token must be long enough that nobody guesses it; a short one is a caller's mistake, said plainly. */
export function checkControlToken(token: string): string {
  if (token.length < MIN_TOKEN_CHARS) throw new Error(`the control token must have at least ${MIN_TOKEN_CHARS} characters`);
  return token;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/.exec(header ?? "")?.[1] ?? "");
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * `GET /stats` → function call counts; `POST /offline` / `POST /online` → an outage on the same port
 * with the data kept; `POST /reset-stats`. Bound to 127.0.0.1 only, and every request must carry
 * `Authorization: Bearer <token>`: it can take the server down, and any web page can reach loopback
 * (a form POST carries no such header, and a fetch that adds one needs a CORS preflight nobody answers).
 */
export async function startControlServer(
  server: LocalConvexServer,
  port: number,
  token: string,
): Promise<{ url: string; close(): Promise<void> }> {
  checkControlToken(token);
  const routes: Record<string, () => Promise<unknown>> = {
    "GET /stats": async () => server.stats(),
    "GET /dump": async () => server.dumpTables(),
    "POST /offline": async () => {
      await server.goOffline();
      return { online: server.online };
    },
    "POST /online": async () => {
      await server.goOnline();
      return { online: server.online };
    },
    "POST /reset-stats": async () => {
      server.resetStats();
      return { ok: true };
    },
  };
  const control = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (!tokenMatches(req.headers.authorization, token)) return reply(401, { error: "missing or wrong control token" });
    const route = routes[`${req.method} ${req.url}`];
    if (!route) return reply(404, { error: `no route ${req.method} ${req.url}` });
    route().then(
      (body) => reply(200, body),
      (error: unknown) => reply(500, { error: String(error) }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    control.once("error", reject);
    control.listen(port, "127.0.0.1", () => resolve());
  });
  const { port: bound } = control.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () => new Promise((resolve) => control.close(() => resolve())),
  };
}
