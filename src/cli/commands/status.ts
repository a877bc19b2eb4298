/** `fastclaw-relay status`: service, process, gateway, Convex, pairing, last error, logs. */
import type { Argv } from "yargs";
import type { CliContext } from "../context.js";
import { defineCommand } from "../define-command.js";

export function statusCommand(ctx: CliContext) {
  return defineCommand(ctx, {
    command: "status",
    describe: "Show whether the relay is installed, running, connected and paired",
    builder: (y: Argv) =>
      y
        .option("json", { type: "boolean", default: false, describe: "Print the same report as JSON (no secrets)" })
        .option("require-healthy", { type: "boolean", default: false, describe: "Exit 1 when something is down" })
        .example("$0 status --require-healthy", "for scripts and monitoring"),
    run: async (args) => (await import("../actions/status.js")).statusAction(ctx, args),
  });
}
