/** The fastclaw-relay command line: parses arguments and dispatches to one command module (loaded lazily). */
import type { Argv } from "yargs";
import { statePaths } from "../config/paths.js";
import { RELAY_VERSION } from "../version.js";
import { createContext, EXIT, type CliDeps } from "./context.js";
import { chatCommand } from "./commands/chat.js";
import { installCommand } from "./commands/install.js";
import { logsCommand } from "./commands/logs.js";
import { pairCommand } from "./commands/pair.js";
import { runCommand } from "./commands/run.js";
import { serviceCommands } from "./commands/service.js";
import { statusCommand } from "./commands/status.js";

export type { CliDeps } from "./context.js";

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], deps: CliDeps = {}): Promise<number> {
  const ctx = createContext(deps);
  const { default: yargs } = await import("yargs");
  const paths = statePaths(ctx.env);
  const parser: Argv = yargs()
    .scriptName("fastclaw-relay")
    .usage("$0 <command> [options]\n\nRelays chats between the local OpenClaw Gateway and the FastClaw app.")
    .command(pairCommand(ctx))
    .command(installCommand(ctx))
    .command(statusCommand(ctx))
    .command(logsCommand(ctx))
    .command(serviceCommands(ctx))
    .command(runCommand(ctx))
    .command(chatCommand(ctx))
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
    .wrap(Math.min(100, ctx.stdout.columns ?? 100))
    .exitProcess(false);

  let usageError: string | undefined;
  let printed: string | undefined;
  await parser.parseAsync(argv, {}, (error: Error | undefined, _argv: unknown, output: string) => {
    // Handlers never throw (defineCommand records their failures), so an error here is yargs' own: usage.
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
