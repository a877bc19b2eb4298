/** `logs`: the last N lines of relay.log, and with -f everything appended after (across rotations). */
import { stat } from "node:fs/promises";
import { statePaths } from "../../config/paths.js";
import { followFile } from "../../logging/follow.js";
import { logFilePath } from "../../logging/logger.js";
import { lastLines } from "../../logging/tail.js";
import { EXIT, type CliContext } from "../context.js";
import { interruptSignal } from "../signals.js";
import { terminalLine } from "../../terminal-text.js";

export async function logsAction(ctx: CliContext, args: { follow: boolean; lines: number }): Promise<number> {
  const file = logFilePath(statePaths(ctx.env).logsDir);
  const before = await stat(file).catch(() => undefined);
  if (!before && !args.follow) {
    ctx.err(`No log yet: ${file} does not exist (the relay has not run with this state dir).`);
    if ((ctx.deps.platform ?? process.platform) === "linux")
      ctx.err("The service's output is also in: journalctl --user -u fastclaw-relay");
    return EXIT.FAILURE;
  }
  // Log lines quote the Gateway and Convex (errors, names): one clean line each on the terminal.
  for (const line of await lastLines(file, args.lines)) ctx.out(terminalLine(line));
  if (!args.follow) return EXIT.OK;
  if (!before) ctx.err(`Waiting for ${file} to appear…`);
  const interrupt = interruptSignal(ctx.deps.signal);
  try {
    await followFile(file, { fromOffset: before?.size ?? 0, onLine: (line) => ctx.out(terminalLine(line)), signal: interrupt.signal });
  } finally {
    interrupt.dispose();
  }
  return EXIT.OK;
}
