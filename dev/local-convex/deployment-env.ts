/** CONVEX_CLOUD_URL / CONVEX_SITE_URL as each local server's functions see them, even with several servers in one process. */
import { AsyncLocalStorage } from "node:async_hooks";

/** The variables a Convex deployment sets for its functions; the local server sets the same names. */
export interface DeploymentEnv {
  CONVEX_CLOUD_URL: string;
  CONVEX_SITE_URL: string;
}

const KEYS: ReadonlySet<string> = new Set(["CONVEX_CLOUD_URL", "CONVEX_SITE_URL"]);
const OVERLAY = Symbol.for("fastclaw.local-convex.env-overlay");
const current = new AsyncLocalStorage<DeploymentEnv>();

function overlaid(store: DeploymentEnv | undefined, key: string | symbol): string | undefined {
  return store !== undefined && typeof key === "string" && KEYS.has(key) ? store[key as keyof DeploymentEnv] : undefined;
}

/**
 * process.env is one object per process, but each server has its own URLs: replace it once with a proxy that
 * answers those two names from the server whose call is running (AsyncLocalStorage follows the call through
 * awaits and the timers of scheduled functions), and everything else, writes included, from the real env.
 */
function installOverlay(): void {
  const env = process.env as NodeJS.ProcessEnv & { [OVERLAY]?: true };
  if (env[OVERLAY]) return;
  const target = env;
  process.env = new Proxy(target, {
    get: (t, key, receiver) => (key === OVERLAY ? true : (overlaid(current.getStore(), key) ?? Reflect.get(t, key, receiver))),
    has: (t, key) => overlaid(current.getStore(), key) !== undefined || Reflect.has(t, key),
    ownKeys: (t) => {
      const keys = new Set(Reflect.ownKeys(t));
      if (current.getStore() !== undefined) KEYS.forEach((key) => keys.add(key));
      return [...keys];
    },
    getOwnPropertyDescriptor: (t, key) => {
      const value = overlaid(current.getStore(), key);
      if (value === undefined) return Reflect.getOwnPropertyDescriptor(t, key);
      return { value, writable: true, enumerable: true, configurable: true };
    },
  });
}

/** Runs `call` (and everything it starts) with these deployment variables visible in process.env. */
export function withDeploymentEnv<T>(vars: DeploymentEnv, call: () => T): T {
  installOverlay();
  return current.run(vars, call);
}
