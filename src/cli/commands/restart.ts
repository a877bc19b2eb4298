/** `fastclaw-relay restart`: Restart the installed service (e.g. after editing the config). */
import type { CommandModule } from "yargs";
import type { CliContext } from "../context.js";
import { runCommand } from "../report-error.js";

export function restartCommandModule(ctx: CliContext): CommandModule {
  return {
    command: "restart",
    describe: "Restart the installed service (e.g. after editing the config)",
    handler: () =>
      runCommand(ctx, async () => {
        const { lifecycleAction } = await import("../actions/lifecycle.js");
        return lifecycleAction(ctx, "restart");
      }),
  };
}
