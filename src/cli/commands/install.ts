/** `fastclaw-relay install`: the user service (systemd --user or LaunchAgent). */
import type { Argv } from "yargs";
import type { CliContext } from "../context.js";
import { defineCommand } from "../define-command.js";

export function installCommand(ctx: CliContext) {
  return defineCommand(ctx, {
    command: "install",
    describe: "Install, enable and start the relay as a user service (safe to run again)",
    builder: (y: Argv) =>
      y
        .option("force", {
          type: "boolean",
          default: false,
          describe: "Rewrite the service file and restart even if nothing changed",
        })
        .example("$0 install", "systemd --user unit on Linux, LaunchAgent ai.fastclaw.relay on macOS"),
    run: async (args) => (await import("../actions/install.js")).installAction(ctx, args),
  });
}
