/** `fastclaw-relay uninstall`: removes the service, keeps the config. */
import type { CommandModule } from "yargs";
import type { CliContext } from "../context.js";
import { runCommand } from "../report-error.js";

export function uninstallCommandModule(ctx: CliContext): CommandModule {
  return {
    command: "uninstall",
    describe: "Stop, disable and remove the service (the config and pairing are kept)",
    handler: () =>
      runCommand(ctx, async () => {
        const { uninstallAction } = await import("../actions/uninstall.js");
        return uninstallAction(ctx);
      }),
  };
}
