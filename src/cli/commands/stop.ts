/** `fastclaw-relay stop`: Stop the service (succeeds when it is not installed). */
import type { CommandModule } from "yargs";
import type { CliContext } from "../context.js";
import { runCommand } from "../report-error.js";

export function stopCommandModule(ctx: CliContext): CommandModule {
  return {
    command: "stop",
    describe: "Stop the service (succeeds when it is not installed)",
    handler: () =>
      runCommand(ctx, async () => {
        const { lifecycleAction } = await import("../actions/lifecycle.js");
        return lifecycleAction(ctx, "stop");
      }),
  };
}
