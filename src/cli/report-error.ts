/** Maps an error to lines on stderr and an exit code: config 78, usage 2, everything else 1. */
import { ConfigError } from "../config/errors.js";
import { DeviceIdentityError } from "../gateway/device-identity.js";
import { GatewayConfigError } from "../gateway/openclaw-config.js";
import { RelayError } from "../relay-error.js";
import { EXIT, UsageError, type CliContext } from "./context.js";
import { terminalText } from "../terminal-text.js";

/** What a person reads: the message, then (for a RelayError that has one) what to do next. */
export function errorLines(error: unknown): string[] {
  if (error instanceof RelayError) return error.hint ? [error.message, error.hint] : [error.message];
  return [error instanceof Error ? error.message : String(error)];
}

/** Config the relay can't use (its own, OpenClaw's Gateway settings, its identity file): restarting changes nothing. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof ConfigError || error instanceof GatewayConfigError || error instanceof DeviceIdentityError) return EXIT.CONFIG;
  if (error instanceof UsageError) return EXIT.USAGE;
  return EXIT.FAILURE;
}

/** Error messages can quote Convex or the Gateway, so they are sanitized like any other terminal text. */
export function reportError(cli: CliContext, error: unknown): number {
  const [message, ...rest] = errorLines(error);
  cli.err(terminalText(`fastclaw-relay: ${message}`));
  for (const line of rest) cli.err(terminalText(line));
  return exitCodeFor(error);
}
