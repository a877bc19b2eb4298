/** `fastclaw-relay run`: wires the Gateway connection, Convex and the bridge, until a signal stops it. */
import type { RelayRunConfig } from "../config/load.js";
import type { Env, StatePaths } from "../config/paths.js";
import { ConvexLink } from "../convex-sync/convex-link.js";
import { convexErrorCode } from "../convex-sync/convex-error.js";
import { openGatewayConnection } from "../gateway/index.js";
import type { Logger } from "../logging/logger.js";
import { RuntimeReporter } from "../runtime/runtime-reporter.js";
import type { RuntimeState } from "../runtime/runtime-state.js";
import { RELAY_VERSION } from "../version.js";
import { startAgentFeatures, CRON_CONTROL_SCOPE } from "./agent-features.js";
import { CursorStore } from "./cursor-store.js";
import { GatewayAdapter } from "./gateway-adapter.js";
import { RelayBridge } from "./relay-bridge.js";
import { relayFiles } from "./relay-files.js";
import { SealedConvex } from "./sealed-convex.js";
import { KeyRing } from "../e2e/key-ring.js";

export interface RunRelayOptions {
  env: Env;
  paths: StatePaths;
  config: RelayRunConfig;
  logger: Logger;
  /** Aborted on SIGTERM/SIGINT: flush and return. */
  signal: AbortSignal;
  /** Re-reads the instance secret and content key after Convex refuses the secret (`pair --reset` rotated both meanwhile). */
  reloadSecret?: () => Promise<{ instanceSecret: string; contentKey: string } | undefined>;
}

export const RELAY_DEFAULTS = {
  /** App messages older than this when the relay could send them are marked expired. */
  maxMessageAgeMs: 5 * 60_000,
  streamWritesPerSecond: 4,
  backfillPerSession: 50,
} as const;

/** How long SIGTERM may spend flushing Convex writes before the rest is left in the spool. */
const SHUTDOWN_FLUSH_MS = 3_000;

/** Runs until `signal` aborts; resolves to the process exit code. */
export async function runRelay(options: RunRelayOptions): Promise<number> {
  const { config, logger, paths, signal } = options;
  const startedAt = Date.now();
  let secret = config.instanceSecret;

  const { connection, config: gatewayConfig } = await openGatewayConnection({
    env: options.env,
    paths,
    logger,
    ...(config.gateway ? { explicit: config.gateway } : {}),
    ...(config.relay?.cronControl ? { overrides: { optionalScopes: [CRON_CONTROL_SCOPE] } } : {}),
  });
  const gateway = new GatewayAdapter(connection, logger);

  let reloading = false;
  const convex = new ConvexLink({
    url: config.convexUrl,
    spoolDir: paths.spoolDir,
    relaySecret: () => secret,
    logger,
    onRejected: (_fn, error) => {
      if (convexErrorCode(error) !== "UNAUTHORIZED" || reloading || !options.reloadSecret) return;
      reloading = true;
      void options
        .reloadSecret()
        .then(async (next) => {
          if (next && next.instanceSecret !== secret) {
            logger.warn("Convex refused the instance secret; the config holds a new one (pair --reset): restarting the Convex side");
            secret = next.instanceSecret;
            // The new content key goes with it: devices paired before the reset cannot open what follows.
            sealed.setKeys(await KeyRing.fromStored(next.contentKey));
            restartConvexSide();
          } else {
            logger.error("Convex refused the instance secret: this relay is no longer paired. Run `fastclaw-relay pair`.");
          }
        })
        .finally(() => {
          reloading = false;
        });
    },
  });

  const sealed = new SealedConvex(convex, await KeyRing.fromStored(config.contentKey), logger);

  const { attachments, media } = relayFiles({ convex, sealing: sealed, gateway: connection, fetch: (url, init) => fetch(url, init), logger });

  const cursors = new CursorStore(paths.cursorsFile, config.instanceId, logger);
  await cursors.load();
  const bridge = new RelayBridge({
    gateway,
    convex: sealed,
    cursors,
    logger,
    relayVersion: RELAY_VERSION,
    maxMessageAgeMs: config.relay?.maxMessageAgeMs ?? RELAY_DEFAULTS.maxMessageAgeMs,
    streamWritesPerSecond: config.relay?.streamWritesPerSecond ?? RELAY_DEFAULTS.streamWritesPerSecond,
    backfillPerSession: config.relay?.backfillPerSession ?? RELAY_DEFAULTS.backfillPerSession,
    ...(config.relay?.maxConcurrentSessions !== undefined ? { maxConcurrentSessions: config.relay.maxConcurrentSessions } : {}),
    attachments,
    media,
    ...(config.relay?.fileRetentionDays !== undefined ? { fileRetentionDays: config.relay.fileRetentionDays } : {}),
  });

  const maxMessageAgeMs = config.relay?.maxMessageAgeMs ?? RELAY_DEFAULTS.maxMessageAgeMs;
  const features = startAgentFeatures({
    connection,
    convex,
    logger,
    cronControl: config.relay?.cronControl === true,
    maxAgeMs: maxMessageAgeMs,
    ...(config.relay?.agentStateRefreshMs !== undefined ? { refreshMs: config.relay.agentStateRefreshMs } : {}),
  });
  const restartConvexSide = () => {
    bridge.resubscribe();
    features.resubscribe();
  };

  const runtime = (): RuntimeState => {
    const hello = connection.hello;
    const gatewayError = connection.lastError;
    const state: RuntimeState = {
      pid: process.pid,
      startedAt,
      updatedAt: Date.now(),
      relayVersion: RELAY_VERSION,
      gateway: {
        url: gatewayConfig.url,
        connected: connection.state === "connected",
        ...(hello ? { serverVersion: hello.serverVersion, protocol: hello.protocol, scopes: hello.scopes } : {}),
        ...(gatewayError
          ? { lastError: { ...(gatewayError.code ? { code: gatewayError.code } : {}), message: gatewayError.message, at: gatewayError.at } }
          : {}),
      },
      features: { cronControl: features.cronControl() },
      convex: {
        url: config.convexUrl,
        connected: convex.isConnected,
        spooledWrites: convex.writer.spooledWrites,
        overflowEvents: convex.writer.overflowEvents,
        spool: convex.writer.spoolStatus,
      },
    };
    if (config.instanceId) state.instanceId = config.instanceId;
    return state;
  };
  const reporter = new RuntimeReporter({
    file: paths.runtimeFile,
    snapshot: runtime,
    onError: (error) => logger.warn("could not write runtime.json", { error: String(error) }),
  });
  const saveRuntime = () => reporter.save();

  gateway.attach(bridge);
  const stopRuntimeEvents = [connection.on("state", () => void saveRuntime()), convex.onConnectionChange(() => void saveRuntime())];

  // The heartbeat starts first: a slow start-up must not look like a frozen relay to `status`.
  await reporter.start();
  await convex.start();
  bridge.start();
  connection.start();
  logger.info("relay running", { gateway: gatewayConfig.url, convex: config.convexUrl });

  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });

  // Shutdown: stop taking work, write what streams have, say goodbye, flush or spool the rest.
  for (const stop of stopRuntimeEvents) stop();
  gateway.detach();
  features.stop();
  media.stop();
  await bridge.stop();
  await connection.stop();
  const { drained, unsaved } = await convex.close(SHUTDOWN_FLUSH_MS);
  await reporter.stop({ ...runtime(), gateway: { ...runtime().gateway, connected: false } });
  if (unsaved > 0) {
    // Not a clean stop: say so with the exit code. Transcript messages come back from the Gateway at
    // the next start (their cursors never passed them); app messages are resent with their keys.
    logger.error("stopped with writes that reached neither Convex nor the disk (the spool could not be written)", { unsaved });
    return 1;
  }
  logger.info(drained ? "all Convex writes flushed" : "Convex unreachable at shutdown: pending writes kept in the spool");
  return 0;
}
