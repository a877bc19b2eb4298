/** `fastclaw-relay run`: the relay in the foreground (what the service runs). */
import type { Argv } from "yargs";
import type { CliContext } from "../context.js";
import { defineCommand } from "../define-command.js";

export function runCommand(ctx: CliContext) {
  return defineCommand(ctx, {
    command: "run",
    describe: "Run the relay in the foreground until SIGTERM/SIGINT (the service runs this)",
    builder: (y: Argv) =>
      y
        .option("log-stdout", {
          type: "boolean",
          default: true,
          describe: "Also log to stdout (journald reads it); --no-log-stdout writes logs/relay.log only",
        })
        .option("config-error-exit-code", {
          type: "number",
          default: 78,
          describe: "Exit code when the configuration is unusable (the LaunchAgent uses 0 so launchd does not loop)",
          // coerce, not check: yargs 18 runs the handler even when a check fails.
          coerce: (n: number) => {
            if (!Number.isInteger(n) || n < 0 || n > 255) throw new Error("--config-error-exit-code must be an integer 0..255");
            return n;
          },
        })
        .example("$0 run", "relay in this terminal; Ctrl-C stops it"),
    run: async (args) => (await import("../actions/run.js")).runAction(ctx, args),
  });
}
