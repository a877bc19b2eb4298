/** `fastclaw-relay status`: service, process, gateway, Convex, pairing, last error, logs. */
import type { Argv, CommandModule } from "yargs";
import type { CliContext } from "../context.js";
import { runCommand } from "../report-error.js";

interface Args {
  json: boolean;
  "require-healthy": boolean;
}

export function statusCommandModule(ctx: CliContext): CommandModule<object, Args> {
  return {
    command: "status",
    describe: "Show whether the relay is installed, running, connected and paired",
    builder: (y: Argv) =>
      y
        .option("json", { type: "boolean", default: false, describe: "Print the same report as JSON (no secrets)" })
        .option("require-healthy", { type: "boolean", default: false, describe: "Exit 1 when something is down" })
        .example("$0 status --require-healthy", "for scripts and monitoring") as unknown as Argv<Args>,
    handler: (args) =>
      runCommand(ctx, async () => {
        const { statusAction } = await import("../actions/status.js");
        return statusAction(ctx, { json: args.json, requireHealthy: args["require-healthy"] });
      }),
  };
}
