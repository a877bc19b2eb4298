/** The local Convex-compatible server: HTTP API + sync WebSocket, and HTTP actions on a second (site) port, on loopback. */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { WebSocketServer } from "ws";
import type { DeploymentEnv } from "./deployment-env.js";
import { FileStore } from "./file-store.js";
import { FunctionRunner } from "./function-runner.js";
import { handleHttpApi, type HttpApiContext } from "./http-api.js";
import { silentLocalConvexLogger, type LocalConvexLogger } from "./local-logger.js";
import { discoverModules, InstrumentedModules, loadSchema, type AnySchema, type ModuleMap } from "./module-loader.js";
import { MutationLog } from "./mutation-log.js";
import { originAllowed, siteOrigins } from "./origin-policy.js";
import { handleSiteRequest, type SiteContext } from "./site-server.js";
import { StatsCollector, type LocalConvexStats } from "./stats.js";
import { handleStorageHttp, type StorageHttpContext } from "./storage-http.js";
import { SyncSession, type LocalConvexHooks, type SessionContext } from "./sync-session.js";
import { WriteWatcher } from "./write-watcher.js";

export interface LocalConvexOptions {
  /** TCP port; 0 (default) picks a free one. goOnline() reuses whatever port was bound first. */
  port?: number;
  /** Port of the HTTP actions (`convex/http.ts`), the `.convex.site` counterpart; 0 (default) picks a free one. */
  sitePort?: number;
  /** Browser origins allowed besides the server's own site (pages elsewhere are refused on the API and sync socket). */
  allowedOrigins?: string[];
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
  /** Where file storage keeps the bytes (the caller's directory); default: a temp dir deleted by stop(). */
  storageDir?: string;
}

export interface LocalConvexServer {
  /** The deployment URL to give ConvexClient / ConvexHttpClient, e.g. "http://127.0.0.1:3210" (CONVEX_CLOUD_URL). */
  readonly url: string;
  readonly port: number;
  /** Where the HTTP actions answer, e.g. "http://127.0.0.1:3211" (CONVEX_SITE_URL): the web app is served here. */
  readonly siteUrl: string;
  readonly sitePort: number;
  /** Whether the listener is up (false between goOffline() and goOnline()). */
  readonly online: boolean;
  /** Counters of executions by function path, client requests and connections. */
  stats(): LocalConvexStats;
  /** Every stored document by table (control port only): what a scan for leaked plaintext reads. */
  dumpTables(): Promise<Record<string, unknown[]>>;
  resetStats(): void;
  /** Drops every sync connection at once (no close handshake); returns how many. Clients reconnect. */
  dropAllConnections(): number;
  /** Closes the listener and every connection; the data stays in memory. */
  goOffline(): Promise<void>;
  /** Listens again on the same port, with the same data. */
  goOnline(): Promise<void>;
  /** Closes everything, cancels pending scheduled functions and deletes the stored files' temp dir (if it made one). */
  stop(): Promise<void>;
}

const SYNC_PATH = /^\/api\/[^/]+\/sync$/;

export async function startLocalConvex(options: LocalConvexOptions): Promise<LocalConvexServer> {
  const host = options.host ?? "127.0.0.1";
  const logger = options.logger ?? silentLocalConvexLogger;
  const source = options.modules ?? (options.functionsDir ? discoverModules(options.functionsDir) : undefined);
  if (source === undefined) throw new Error("startLocalConvex needs functionsDir or modules");

  const stats = new StatsCollector();
  const modules = new InstrumentedModules(
    source,
    (path, kind) => stats.execution(path, kind),
    (path, rows, bytes) => stats.read(path, rows, bytes),
  );
  const schema = options.schema ?? (await loadSchema(source));
  let port = options.port ?? 0;
  let sitePort = options.sitePort ?? 0;
  const url = (): string => `http://${host}:${port}`;
  const siteUrl = (): string => `http://${host}:${sitePort}`;
  // Read at call time: the ports are known once bound, and stay the same across goOffline/goOnline.
  const deploymentEnv = (): DeploymentEnv => ({ CONVEX_CLOUD_URL: url(), CONVEX_SITE_URL: siteUrl() });
  let allowedOrigins: ReadonlySet<string> = new Set(options.allowedOrigins ?? []);
  const files = new FileStore(options.storageDir === undefined ? {} : { dir: options.storageDir });
  let runner: FunctionRunner;
  try {
    runner = await FunctionRunner.create(modules, schema, deploymentEnv, files, (message, error) => logger.error(message, { error: String(error) }));
  } catch (error) {
    files.close();
    throw error;
  }
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
  const httpContext: HttpApiContext = {
    runner,
    stats,
    logger,
    adminKey: options.adminKey,
    readTs,
    afterWrite,
    allowedOrigins: () => allowedOrigins,
  };
  const siteContext: SiteContext = { runner, logger, afterWrite };
  const storageContext: StorageHttpContext = { storage: runner.storage, files, logger, afterWrite, allowedOrigins: () => allowedOrigins };

  const wss = new WebSocketServer({ noServer: true, maxPayload: 32 * 1024 * 1024 });
  wss.on("connection", (socket) => {
    stats.connectionOpened();
    sessions.add(new SyncSession(socket, sessionContext, (session) => sessions.delete(session)));
  });

  let server: http.Server | undefined;
  let site: http.Server | undefined;

  const bind = async (listener: http.Server, wanted: number): Promise<number> => {
    await new Promise<void>((resolve, reject) => {
      listener.once("error", reject);
      listener.listen(wanted, host, () => {
        listener.off("error", reject);
        resolve();
      });
    });
    return (listener.address() as AddressInfo).port;
  };

  const listen = async (): Promise<void> => {
    const next = http.createServer((req, res) => {
      handleStorageHttp(storageContext, req, res)
        .then(async (handled) => handled || (await handleHttpApi(httpContext, req, res)))
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
      // Browsers always send Origin on a WebSocket handshake, and no CORS protects a socket.
      if (!originAllowed(req.headers.origin, allowedOrigins)) {
        socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n");
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
    });
    const nextSite = http.createServer((req, res) => {
      handleSiteRequest(siteContext, req, res).catch((error: unknown) => {
        logger.error("site request failed", { error: String(error) });
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    port = await bind(next, port);
    try {
      sitePort = await bind(nextSite, sitePort);
    } catch (error) {
      await new Promise<void>((resolve) => next.close(() => resolve()));
      throw error;
    }
    allowedOrigins = new Set([...siteOrigins(sitePort), ...(options.allowedOrigins ?? [])]);
    server = next;
    site = nextSite;
    logger.info("local Convex server listening", { url: url(), siteUrl: siteUrl() });
  };

  const dropAllConnections = (): number => {
    const all = [...sessions];
    all.forEach((session) => session.terminate());
    return all.length;
  };

  const goOffline = async (): Promise<void> => {
    const current = server;
    const currentSite = site;
    if (current === undefined) return;
    server = undefined;
    site = undefined;
    const closed = Promise.all(
      [current, currentSite].map((listener) => (listener ? new Promise<void>((resolve) => listener.close(() => resolve())) : undefined)),
    );
    dropAllConnections();
    current.closeAllConnections();
    currentSite?.closeAllConnections();
    await closed;
    logger.info("local Convex server offline", { port });
  };

  await listen();

  return {
    get url() {
      return url();
    },
    get port() {
      return port;
    },
    get siteUrl() {
      return siteUrl();
    },
    get sitePort() {
      return sitePort;
    },
    get online() {
      return server !== undefined;
    },
    stats: () => stats.snapshot(sessions.size),
    dumpTables: () => runner.dumpTables(),
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
      files.close();
    },
  };
}
