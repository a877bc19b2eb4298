/** The fastclaw-relay command line: parses arguments and dispatches to one command module (loaded lazily). */
import type { Argv } from "yargs";
import { statePaths } from "../config/paths.js";
import { RELAY_VERSION } from "../version.js";
import { createContext, EXIT, type CliDeps } from "./context.js";
import { chatCommandModule } from "./commands/chat.js";
import { installCommandModule } from "./commands/install.js";
import { logsCommandModule } from "./commands/logs.js";
import { pairCommandModule } from "./commands/pair.js";
import { restartCommandModule } from "./commands/restart.js";
import { runCommandModule } from "./commands/run.js";
import { startCommandModule } from "./commands/start.js";
import { statusCommandModule } from "./commands/status.js";
import { stopCommandModule } from "./commands/stop.js";
import { uninstallCommandModule } from "./commands/uninstall.js";

export type { CliDeps } from "./context.js";

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], deps: CliDeps = {}): Promise<number> {
  const ctx = createContext(deps);
  const { default: yargs } = await import("yargs");
  const paths = statePaths(ctx.env);
  const parser: Argv = yargs()
    .scriptName("fastclaw-relay")
    .usage("$0 <command> [options]\n\nRelays chats between the local OpenClaw Gateway and the FastClaw app.")
    .command(pairCommandModule(ctx))
    .command(installCommandModule(ctx))
    .command(statusCommandModule(ctx))
    .command(logsCommandModule(ctx))
    .command(startCommandModule(ctx))
    .command(stopCommandModule(ctx))
    .command(restartCommandModule(ctx))
    .command(uninstallCommandModule(ctx))
    .command(runCommandModule(ctx))
    .command(chatCommandModule(ctx))
    .example("$0 pair", "show a QR code for the FastClaw app")
    .example("$0 install", "run the relay as a service (starts at login)")
    .example("$0 status", "is it running, connected, paired?")
    .example("$0 logs -f", "follow the log")
    .epilogue(
      `Files: config ${paths.configFile}, logs ${paths.logsDir} (FASTCLAW_STATE_DIR moves them).\n` +
        "Exit codes: 0 ok, 1 failure, 2 usage error, 78 configuration unusable.",
    )
    .demandCommand(1, "Name a command.")
    .recommendCommands()
    .strict()
    .version(RELAY_VERSION)
    .alias("h", "help")
    .alias("V", "version")
    .help()
    .wrap(Math.min(100, (ctx.stdout as { columns?: number }).columns ?? 100))
    .exitProcess(false);

  let usageError: string | undefined;
  let printed: string | undefined;
  await parser.parseAsync(argv, {}, (error: Error | undefined, _argv: unknown, output: string) => {
    // Handlers never throw (runCommand records their failures), so an error here is yargs' own: usage.
    if (error) usageError = error.message;
    else if (output) printed = output;
  });
  if (usageError !== undefined) {
    ctx.err(`fastclaw-relay: ${usageError}`);
    ctx.err("Run `fastclaw-relay --help` for the commands and their options.");
    return EXIT.USAGE;
  }
  if (printed !== undefined) {
    ctx.out(printed);
    return EXIT.OK;
  }
  return ctx.exitCode;
}
