/** `fastclaw-relay run`: the long-running loop between the Gateway and Convex (placeholder until the bridge lands). */
import type { Logger } from "../logging/logger.js";
import type { Env, StatePaths } from "../config/paths.js";

export interface RelayRunConfig {
  convexUrl: string;
  instanceSecret: string;
  instanceId?: string;
  gateway?: { url?: string; token?: string; password?: string };
  relay?: { maxMessageAgeMs?: number; streamWritesPerSecond?: number; backfillPerSession?: number };
}

export interface RunRelayOptions {
  env: Env;
  paths: StatePaths;
  config: RelayRunConfig;
  logger: Logger;
  /** Aborted on SIGTERM/SIGINT: flush and return. */
  signal: AbortSignal;
}

/** Runs until `signal` aborts; resolves to the process exit code. */
export async function runRelay(options: RunRelayOptions): Promise<number> {
  options.logger.info("relay started (placeholder loop)");
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    else options.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  return 0;
}
