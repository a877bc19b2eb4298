/** Maps an error to a message on stderr and an exit code: config 78, usage 2, everything else 1. */
import { ConfigError } from "../config/errors.js";
import { ServiceError } from "../service/manager.js";
import { EXIT, UsageError, type CliContext } from "./context.js";
import { terminalText } from "./terminal-text.js";

/** Error messages can quote Convex or the Gateway, so they are sanitized like any other terminal text. */
export function reportError(cli: CliContext, error: unknown): number {
  const ctx = { err: (line: string) => cli.err(terminalText(line)) };
  if (error instanceof ConfigError) {
    ctx.err(`fastclaw-relay: ${error.message}`);
    return EXIT.CONFIG;
  }
  if (error instanceof UsageError) {
    ctx.err(`fastclaw-relay: ${error.message}`);
    return EXIT.USAGE;
  }
  ctx.err(`fastclaw-relay: ${error instanceof Error ? error.message : String(error)}`);
  // ServiceError and PairingError carry what to do next.
  const hint = error instanceof ServiceError ? error.hint : (error as { hint?: unknown } | undefined)?.hint;
  if (typeof hint === "string" && hint) ctx.err(hint);
  return EXIT.FAILURE;
}

