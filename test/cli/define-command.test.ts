/** defineCommand: option types inferred from the builder, kebab-case options reach the action camelCased, failures reported once. */
import yargs, { type Argv, type CommandModule } from "yargs";
import { createContext, type CliContext } from "../../src/cli/context.js";
import { defineCommand } from "../../src/cli/define-command.js";
import { ServiceError } from "../../src/service/manager.js";
import { capture } from "../service/helpers.js";

function context(): { ctx: CliContext; stderr: ReturnType<typeof capture> } {
  const stderr = capture();
  return { ctx: createContext({ stdout: capture(), stderr, env: {} }), stderr };
}

async function parse<O>(command: CommandModule<object, O>, argv: string[]): Promise<void> {
  await yargs().command(command).strict().exitProcess(false).parseAsync(argv);
}

test("a kebab-case option reaches the action camelCased, with the type the builder declared", async () => {
  const { ctx } = context();
  const seen: Array<{ deviceName: string | undefined; logStdout: boolean; lines: number }> = [];
  const command = defineCommand(ctx, {
    command: "probe",
    describe: "test command",
    builder: (y: Argv) =>
      y
        .option("device-name", { type: "string" })
        .option("log-stdout", { type: "boolean", default: true })
        .option("lines", { type: "number", default: 50 }),
    run: async (args) => {
      // Typed by inference: a wrong property name or type here fails `npm run typecheck`.
      seen.push({ deviceName: args.deviceName, logStdout: args.logStdout, lines: args.lines });
      return 0;
    },
  });
  await parse(command, ["probe", "--device-name", "Desk tablet", "--no-log-stdout", "--lines", "7"]);
  await parse(command, ["probe"]);
  expect(seen).toEqual([
    { deviceName: "Desk tablet", logStdout: false, lines: 7 },
    { deviceName: undefined, logStdout: true, lines: 50 },
  ]);
  expect(ctx.exitCode).toBe(0);
});

test("the action's exit code is recorded; a RelayError it throws is reported once, with its hint, never rethrown", async () => {
  const { ctx, stderr } = context();
  await parse(defineCommand(ctx, { command: "three", describe: "exits 3", run: async () => 3 }), ["three"]);
  expect(ctx.exitCode).toBe(3);
  const failing = defineCommand(ctx, {
    command: "fail",
    describe: "throws",
    run: async () => {
      throw new ServiceError("SERVICE_NOT_INSTALLED", "fastclaw-relay.service is not installed.", "Run `fastclaw-relay install` first.");
    },
  });
  await parse(failing, ["fail"]);
  expect(ctx.exitCode).toBe(1);
  expect(stderr.text()).toBe("fastclaw-relay: fastclaw-relay.service is not installed.\nRun `fastclaw-relay install` first.\n");
});
