/** `fastclaw-relay start`: Start the installed service. */
import type { CommandModule } from "yargs";
import type { CliContext } from "../context.js";
import { runCommand } from "../report-error.js";

export function startCommandModule(ctx: CliContext): CommandModule {
  return {
    command: "start",
    describe: "Start the installed service",
    handler: () =>
      runCommand(ctx, async () => {
        const { lifecycleAction } = await import("../actions/lifecycle.js");
        return lifecycleAction(ctx, "start");
      }),
  };
}
