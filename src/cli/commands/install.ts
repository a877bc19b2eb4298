/** `fastclaw-relay install`: the user service (systemd --user or LaunchAgent). */
import type { Argv, CommandModule } from "yargs";
import type { CliContext } from "../context.js";
import { runCommand } from "../report-error.js";

interface Args {
  force: boolean;
}

export function installCommandModule(ctx: CliContext): CommandModule<object, Args> {
  return {
    command: "install",
    describe: "Install, enable and start the relay as a user service (safe to run again)",
    builder: (y: Argv) =>
      y
        .option("force", {
          type: "boolean",
          default: false,
          describe: "Rewrite the service file and restart even if nothing changed",
        })
        .example("$0 install", "systemd --user unit on Linux, LaunchAgent ai.fastclaw.relay on macOS") as unknown as Argv<Args>,
    handler: (args) =>
      runCommand(ctx, async () => {
        const { installAction } = await import("../actions/install.js");
        return installAction(ctx, { force: args.force });
      }),
  };
}
