/** `fastclaw-relay start|stop|restart|uninstall`: one call each on the installed service, no options. */
import type { CliContext } from "../context.js";
import { defineCommand } from "../define-command.js";
import type { LifecycleAction } from "../actions/lifecycle.js";

const DESCRIPTIONS: Record<LifecycleAction, string> = {
  start: "Start the installed service",
  stop: "Stop the service (succeeds when it is not installed)",
  restart: "Restart the installed service (e.g. after editing the config)",
  uninstall: "Stop, disable and remove the service (the config and pairing are kept)",
};

export function serviceCommands(ctx: CliContext) {
  return (Object.keys(DESCRIPTIONS) as LifecycleAction[]).map((action) =>
    defineCommand(ctx, {
      command: action,
      describe: DESCRIPTIONS[action],
      run: async () => (await import("../actions/lifecycle.js")).lifecycleAction(ctx, action),
    }),
  );
}
