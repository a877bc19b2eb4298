/** The local Convex-compatible server: HTTP API + sync WebSocket on loopback, over convex-test's in-memory backend. */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { WebSocketServer } from "ws";
import { FunctionRunner } from "./function-runner.js";
import { handleHttpApi, type HttpApiContext } from "./http-api.js";
import { silentLocalConvexLogger, type LocalConvexLogger } from "./local-logger.js";
import { discoverModules, InstrumentedModules, loadSchema, type AnySchema, type ModuleMap } from "./module-loader.js";
import { MutationLog } from "./mutation-log.js";
import { StatsCollector, type LocalConvexStats } from "./stats.js";
import { SyncSession, type LocalConvexHooks, type SessionContext } from "./sync-session.js";
import { WriteWatcher } from "./write-watcher.js";

export interface LocalConvexOptions {
  /** TCP port; 0 (default) picks a free one. goOnline() reuses whatever port was bound first. */
  port?: number;
  /** Loopback only: the server has no authentication beyond the project's own functions. */
  host?: "127.0.0.1";
  /** A Convex functions directory (`convex/` with TypeScript under jest, or `dist/convex`). */
  functionsDir?: string;
  /** Or an explicit convex-test module map ("./messages.ts" → loader; one key must contain "_generated"). */
  modules?: ModuleMap;
  /** The schema; default: the functions directory's `schema` module, if any. */
  schema?: AnySchema;
  logger?: LocalConvexLogger;
  /** Interval of sync-protocol Pings (clients reconnect after 60 s of silence). Default 15000; 0 disables. */
  pingIntervalMs?: number;
  /** How often to look for writes made outside client requests (scheduled functions). Default 20. */
  pollIntervalMs?: number;
  /** Accept `Convex <adminKey>` / Admin auth with this key (lets callers reach internal functions). */
  adminKey?: string;
  hooks?: LocalConvexHooks;
}

export interface LocalConvexServer {
  /** The deployment URL to give ConvexClient / ConvexHttpClient, e.g. "http://127.0.0.1:3210". */
  readonly url: string;
  readonly port: number;
  /** Whether the listener is up (false between goOffline() and goOnline()). */
  readonly online: boolean;
  /** Counters of executions by function path, client requests and connections. */
  stats(): LocalConvexStats;
  resetStats(): void;
  /** Drops every sync connection at once (no close handshake); returns how many. Clients reconnect. */
  dropAllConnections(): number;
  /** Closes the listener and every connection; the data stays in memory. */
  goOffline(): Promise<void>;
  /** Listens again on the same port, with the same data. */
  goOnline(): Promise<void>;
  /** Closes everything and cancels pending scheduled functions. */
  stop(): Promise<void>;
}

const SYNC_PATH = /^\/api\/[^/]+\/sync$/;

export async function startLocalConvex(options: LocalConvexOptions): Promise<LocalConvexServer> {
  const host = options.host ?? "127.0.0.1";
  const logger = options.logger ?? silentLocalConvexLogger;
  const source = options.modules ?? (options.functionsDir ? discoverModules(options.functionsDir) : undefined);
  if (source === undefined) throw new Error("startLocalConvex needs functionsDir or modules");

  const stats = new StatsCollector();
  const modules = new InstrumentedModules(source, (path, kind) => stats.execution(path, kind));
  const schema = options.schema ?? (await loadSchema(source));
  const runner = await FunctionRunner.create(modules, schema);
  const sessions = new Set<SyncSession>();
  const watcher = new WriteWatcher({
    readTs: () => runner.snapshotTs(),
    onChange: () => sessions.forEach((session) => session.notifyWrite()),
    pollIntervalMs: options.pollIntervalMs ?? 20,
    onError: (error) => logger.error("reading the commit timestamp failed", { error: String(error) }),
  });
  await watcher.check();
  watcher.start();

  const afterWrite = (): void => void watcher.check();
  const readTs = (): Promise<bigint> => runner.snapshotTs();
  const sessionContext: SessionContext = {
    runner,
    mutationLog: new MutationLog(),
    stats,
    logger,
    adminKey: options.adminKey,
    pingIntervalMs: options.pingIntervalMs ?? 15_000,
    hooks: options.hooks ?? {},
    readTs,
    afterWrite,
  };
  const httpContext: HttpApiContext = { runner, stats, logger, adminKey: options.adminKey, readTs, afterWrite };

  const wss = new WebSocketServer({ noServer: true, maxPayload: 32 * 1024 * 1024 });
  wss.on("connection", (socket) => {
    stats.connectionOpened();
    sessions.add(new SyncSession(socket, sessionContext, (session) => sessions.delete(session)));
  });

  let server: http.Server | undefined;
  let port = options.port ?? 0;

  const listen = async (): Promise<void> => {
    const next = http.createServer((req, res) => {
      handleHttpApi(httpContext, req, res)
        .then((handled) => {
          if (handled) return;
          res.writeHead(404, { "Content-Type": "text/plain" });
          res.end(`local Convex server: no route for ${req.method} ${req.url}\n`);
        })
        .catch((error: unknown) => {
          logger.error("HTTP request failed", { error: String(error) });
          if (!res.headersSent) res.writeHead(500);
          res.end();
        });
    });
    next.on("upgrade", (req, socket: Socket, head) => {
      const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
      if (!SYNC_PATH.test(pathname)) {
        socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
    });
    await new Promise<void>((resolve, reject) => {
      next.once("error", reject);
      next.listen(port, host, () => {
        next.off("error", reject);
        resolve();
      });
    });
    port = (next.address() as AddressInfo).port;
    server = next;
    logger.info("local Convex server listening", { url: `http://${host}:${port}` });
  };

  const dropAllConnections = (): number => {
    const all = [...sessions];
    all.forEach((session) => session.terminate());
    return all.length;
  };

  const goOffline = async (): Promise<void> => {
    const current = server;
    if (current === undefined) return;
    server = undefined;
    const closed = new Promise<void>((resolve) => current.close(() => resolve()));
    dropAllConnections();
    current.closeAllConnections();
    await closed;
    logger.info("local Convex server offline", { port });
  };

  await listen();

  return {
    get url() {
      return `http://${host}:${port}`;
    },
    get port() {
      return port;
    },
    get online() {
      return server !== undefined;
    },
    stats: () => stats.snapshot(sessions.size),
    resetStats: () => stats.reset(),
    dropAllConnections,
    goOffline,
    goOnline: async () => {
      if (server === undefined) await listen();
    },
    stop: async () => {
      await goOffline();
      watcher.stop();
      wss.close();
      await runner.cancelScheduled().catch((error: unknown) => {
        logger.warn("could not cancel scheduled functions", { error: String(error) });
      });
    },
  };
}
