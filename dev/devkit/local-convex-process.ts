/** Runs the local Convex server as its own process (as a person would) and drives its control port. */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CONTROL_TOKEN_ENV, newControlToken } from "../local-convex/control-server.js";
import { LOCAL_CONVEX_REGISTRATION_KEY, REGISTRATION_KEY_ENV } from "../local-convex/registration-key.js";
import type { LocalConvexStats } from "../local-convex/stats.js";

export interface LocalConvexProcess {
  url: string;
  siteUrl: string;
  controlUrl: string;
  child: ChildProcess;
  stats(): Promise<LocalConvexStats>;
  /** Every stored document by table, through the token-protected control port. */
  dumpTables(): Promise<Record<string, unknown[]>>;
  resetStats(): Promise<void>;
  goOffline(): Promise<void>;
  goOnline(): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

/** `dist/dev/local-convex/main.js` next to this compiled file (or the build output when run from src). */
function mainScript(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const fromDist = path.resolve(here, "../local-convex/main.js");
  return here.includes(`${path.sep}dist${path.sep}`) ? fromDist : path.resolve(here, "../../dist/dev/local-convex/main.js");
}

export interface SpawnLocalConvexOptions {
  port?: number;
  nodePath?: string;
  timeoutMs?: number;
  /** Convex environment variables for the functions (e.g. FASTCLAW_DEVICE_SENDS_PER_MINUTE for the bench). */
  functionEnv?: Record<string, string>;
}

export async function spawnLocalConvex(options: SpawnLocalConvexOptions = {}): Promise<LocalConvexProcess> {
  // Always the well-known local key, whatever this shell has set: callers register with that constant.
  // The control token is handed over in the environment, which only this user can read, not in the arguments.
  const controlToken = newControlToken();
  const env = {
    ...process.env,
    [REGISTRATION_KEY_ENV]: LOCAL_CONVEX_REGISTRATION_KEY,
    ...options.functionEnv,
    [CONTROL_TOKEN_ENV]: controlToken,
  };
  const child = spawn(options.nodePath ?? process.execPath, [mainScript(), "--port", String(options.port ?? 0), "--control-port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
    env,
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const ready = new Promise<{ url: string; siteUrl: string; controlUrl: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`local Convex server did not start:\n${output}`)), options.timeoutMs ?? 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const url = /Local Convex server: (\S+)/.exec(output)?.[1];
      const siteUrl = /Site \(HTTP actions, the web app\): (\S+)/.exec(output)?.[1];
      const controlUrl = /Control: (\S+)/.exec(output)?.[1];
      if (url && siteUrl && controlUrl) {
        clearTimeout(timer);
        resolve({ url, siteUrl, controlUrl });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`local Convex server exited with ${code}:\n${output}`));
    });
  });
  const { url, siteUrl, controlUrl } = await ready;
  const call = async <T>(method: string, route: string): Promise<T> => {
    const res = await fetch(`${controlUrl}${route}`, { method, headers: { Authorization: `Bearer ${controlToken}` } });
    if (!res.ok) throw new Error(`local Convex control ${route}: HTTP ${res.status}`);
    return (await res.json()) as T;
  };
  return {
    url,
    siteUrl,
    controlUrl,
    child,
    stats: () => call<LocalConvexStats>("GET", "/stats"),
    dumpTables: () => call<Record<string, unknown[]>>("GET", "/dump"),
    resetStats: async () => void (await call("POST", "/reset-stats")),
    goOffline: async () => void (await call("POST", "/offline")),
    goOnline: async () => void (await call("POST", "/online")),
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
