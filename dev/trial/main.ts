/** Entry of `npm run trial` (scripts/trial.mjs): arguments, signals, and a last-resort kill of everything started. */
import path from "node:path";
import { packageRoot } from "../../src/service/package-root.js";
import { parseTrialArgs, TRIAL_USAGE, TrialUsageError } from "./trial-args.js";
import { runTrial } from "./trial.js";

export async function runTrialCli(argv: readonly string[]): Promise<number> {
  let args;
  try {
    args = parseTrialArgs(argv);
  } catch (error) {
    if (!(error instanceof TrialUsageError)) throw error;
    process.stderr.write(`trial: ${error.message}\n${TRIAL_USAGE.join("\n")}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${TRIAL_USAGE.join("\n")}\n`);
    return 0;
  }
  const controller = new AbortController();
  const killers = new Set<() => void>();
  const killAll = () => {
    for (const kill of killers) {
      try {
        kill();
      } catch {
        // already gone
      }
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write(`[trial] ${signal} again: killing everything now.\n`);
      killAll();
      process.exit(130);
    }
    process.stderr.write(`\n[trial] ${signal}: stopping …\n`);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.once("exit", killAll);
  try {
    return await runTrial(args, {
      env: process.env,
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      relayCommand: [process.execPath, path.join(packageRoot(), "bin", "fastclaw-relay.js")],
      signal: controller.signal,
      killers,
    });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
