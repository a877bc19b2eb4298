/** A yes/no question on the terminal (question on stderr, so stdout stays clean for --json). */
import { createInterface } from "node:readline";
import type { CliContext } from "./context.js";

export async function confirm(ctx: CliContext, question: string): Promise<boolean> {
  ctx.stderr.write(`${question} [y/N] `);
  const rl = createInterface({ input: ctx.stdin, terminal: false });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once("line", resolve);
      rl.once("close", () => resolve(""));
    });
    return /^(y|yes)$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
