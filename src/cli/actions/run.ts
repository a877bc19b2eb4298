/** `run`: loads the config (exit 78 if it, OpenClaw's Gateway settings or the identity file is unusable), creates the logger and runs the relay until SIGTERM/SIGINT. */
import { mkdir } from "node:fs/promises";
import { ConfigError } from "../../config/errors.js";
import { loadConfig, requireRunnable } from "../../config/load.js";
import { statePaths } from "../../config/paths.js";
import { knownSecrets } from "../../logging/known-secrets.js";
import { closeLogger, createLogger } from "../../logging/logger.js";
import { runRelay } from "../../bridge/run-relay.js";
import { acquireRunLock, RunLockHeldError, type RunLock } from "../../runtime/run-lock.js";
import { RELAY_VERSION } from "../../version.js";
import { EXIT, type CliContext } from "../context.js";
import { errorLines, exitCodeFor, reportError } from "../report-error.js";
import { interruptSignal } from "../signals.js";

export interface RunArgs {
  logStdout: boolean;
  /** 78 normally; the LaunchAgent passes 0 so launchd's KeepAlive does not loop on a broken config. */
  configErrorExitCode: number;
}

/** The message and hint as one log line. */
function oneLine(error: unknown): string {
  return errorLines(error).join(" ").replace(/\n/g, " ");
}

export async function runAction(ctx: CliContext, args: RunArgs): Promise<number> {
  const paths = statePaths(ctx.env);
  let loaded;
  let config;
  try {
    loaded = await loadConfig(ctx.env);
    config = requireRunnable(loaded);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    reportError(ctx, error);
    // Also into relay.log, so `fastclaw-relay logs` shows why the service stopped.
    const fileLogger = createLogger({ logsDir: paths.logsDir, console: false });
    fileLogger.error(`not starting: ${oneLine(error)}`);
    await closeLogger(fileLogger);
    return args.configErrorExitCode;
  }
  // Resolved now, before the first line is logged: a Gateway token from the environment or OpenClaw's config is masked too.
  const secrets = await knownSecrets(ctx.env, config);
  const logger = createLogger({
    logsDir: paths.logsDir,
    level: loaded.effective.relay?.logLevel ?? "info",
    console: args.logStdout,
    stdout: ctx.stdout,
    secrets,
  });
  const interrupt = interruptSignal(ctx.deps.signal, (signal) => {
    // A second signal while shutting down: the user means it.
    logger.warn(`received ${signal} again; exiting without waiting`);
    process.exit(EXIT.FAILURE);
  });
  interrupt.signal.addEventListener("abort", () => logger.info(`shutting down (${interrupt.received() ?? "requested"})`), {
    once: true,
  });
  let lock: RunLock;
  try {
    await mkdir(paths.dir, { recursive: true, mode: 0o700 });
    lock = await acquireRunLock(paths.runLockFile, ctx.deps.runLockDeps);
  } catch (error) {
    const refusal = error instanceof RunLockHeldError ? error : new Error(`cannot take the run lock ${paths.runLockFile}: ${String(error)}`);
    reportError(ctx, refusal);
    logger.error(`not starting: ${oneLine(refusal)}`);
    interrupt.dispose();
    await closeLogger(logger);
    return EXIT.FAILURE;
  }
  try {
    logger.info("fastclaw-relay starting", {
      version: RELAY_VERSION,
      pid: process.pid,
      stateDir: paths.dir,
      convexUrl: config.convexUrl,
      overrides: Object.values(loaded.overrides),
    });
    const relay = ctx.deps.runRelay ?? runRelay;
    const code = await relay({
      env: ctx.env,
      paths,
      config,
      logger,
      signal: interrupt.signal,
      // After `pair --reset` rotated the secret in config.json, Convex refuses the old one: pick up the new.
      reloadSecret: async () => {
        try {
          const { instanceSecret, contentKey } = (await loadConfig(ctx.env)).effective;
          return instanceSecret && contentKey ? { instanceSecret, contentKey } : undefined;
        } catch (error) {
          logger.error("cannot re-read the config for a new instance secret", { error });
          return undefined;
        }
      },
    });
    logger.info("fastclaw-relay stopped", { exitCode: code });
    return code;
  } catch (error) {
    if (exitCodeFor(error) === EXIT.CONFIG) {
      // Found while starting (OpenClaw's Gateway settings, the identity file): a restart would only fail again.
      reportError(ctx, error);
      logger.error(`not starting: ${oneLine(error)}`);
      return args.configErrorExitCode;
    }
    logger.error("relay failed", { error });
    return EXIT.FAILURE;
  } finally {
    await lock.release();
    interrupt.dispose();
    await closeLogger(logger);
  }
}
