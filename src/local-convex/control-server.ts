/** Opt-in loopback HTTP control of a running local Convex server, for tests and benchmarks in another process. */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { LocalConvexServer } from "./server.js";

/**
 * `GET /stats` → function call counts; `POST /offline` / `POST /online` → an outage on the same port
 * with the data kept; `POST /reset-stats`. Bound to 127.0.0.1 only: it can take the server down.
 */
export async function startControlServer(server: LocalConvexServer, port: number): Promise<{ url: string; close(): Promise<void> }> {
  const routes: Record<string, () => Promise<unknown>> = {
    "GET /stats": async () => server.stats(),
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
    const route = routes[`${req.method} ${req.url}`];
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
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
