/** `fastclaw-relay logs`: the relay's log file. */
import type { Argv } from "yargs";
import type { CliContext } from "../context.js";
import { defineCommand } from "../define-command.js";

export function logsCommand(ctx: CliContext) {
  return defineCommand(ctx, {
    command: "logs",
    describe: "Print the last lines of the relay's log (-f to follow)",
    builder: (y: Argv) =>
      y
        .option("follow", { alias: "f", type: "boolean", default: false, describe: "Keep printing new lines (follows rotation)" })
        .option("lines", {
          alias: "n",
          type: "number",
          default: 50,
          describe: "How many lines to print first",
          // coerce, not check: yargs 18 runs the handler even when a check fails.
          coerce: (n: number) => {
            if (!Number.isInteger(n) || n < 0) throw new Error("-n/--lines must be a whole number >= 0");
            return n;
          },
        })
        .example("$0 logs -n 200", "the last 200 lines")
        .example("$0 logs -f", "follow; Ctrl-C stops"),
    run: async (args) => (await import("../actions/logs.js")).logsAction(ctx, args),
  });
}
