/** One command's yargs definition: option types are inferred from the builder and reach the action camelCased. */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import type { CliContext } from "./context.js";
import { reportError } from "./report-error.js";

export interface CommandSpec<Options> {
  command: string;
  describe: string;
  /** Declares the options; yargs' types follow each `.option()`, so no cast is needed. */
  builder?: (y: Argv) => Argv<Options>;
  /** The action, loaded only when its command runs (keeps `--help` cold start small); resolves to the exit code. */
  run: (args: ArgumentsCamelCase<Options>) => Promise<number>;
}

export function defineCommand<Options = object>(ctx: CliContext, spec: CommandSpec<Options>): CommandModule<object, Options> {
  return {
    command: spec.command,
    describe: spec.describe,
    ...(spec.builder ? { builder: spec.builder } : {}),
    handler: (args) => runCommand(ctx, () => spec.run(args)),
  };
}

/** Runs a command body, recording its exit code on the context; never throws. */
async function runCommand(ctx: CliContext, body: () => Promise<number>): Promise<void> {
  try {
    ctx.exitCode = await body();
  } catch (error) {
    ctx.exitCode = reportError(ctx, error);
  }
}
