/** What every command gets: injectable environment, streams and collaborators (tests run the CLI in-process). */
import type { Env } from "../config/paths.js";
import { RelayError } from "../relay-error.js";
import type { CommandRunner } from "../service/runner.js";
import type { runRelay } from "../bridge/run-relay.js";
import type { RunLockDeps } from "../runtime/run-lock.js";

/** Exit codes: 0 ok, 1 runtime failure, 2 usage error, 78 unusable configuration (EX_CONFIG). */
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2, CONFIG: 78 } as const;

export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
  /** A terminal's width, when it is one. */
  columns?: number;
}

export interface InputStream extends NodeJS.ReadableStream {
  isTTY?: boolean;
}

export interface CliDeps {
  env?: Env;
  stdout?: OutputStream;
  stderr?: OutputStream;
  stdin?: InputStream;
  platform?: NodeJS.Platform;
  uid?: number;
  username?: string;
  /** Runs systemctl/launchctl/loginctl; tests pass a recorder. */
  runner?: CommandRunner;
  /** `run` calls this (default: src/bridge/run-relay.ts). */
  runRelay?: typeof runRelay;
  /** The process table as the run lock sees it (default: this process and the real one). */
  runLockDeps?: RunLockDeps;
  /** Ends long-running commands (run, logs -f, pair) besides SIGTERM/SIGINT. */
  signal?: AbortSignal;
  /** Service definitions: node binary and entry point (default: this process's). */
  nodePath?: string;
  entryPath?: string;
  /** How long install/start watch a new service before calling it up. */
  settleMs?: number;
  now?: () => number;
}

export interface CliContext {
  env: Env;
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: InputStream;
  deps: CliDeps;
  /** Set by the command that ran. */
  exitCode: number;
  out(line?: string): void;
  err(line?: string): void;
}

/** A usage problem found by a command itself (exit 2), e.g. `pair --reset` without a TTY or --yes. */
export class UsageError extends RelayError<"USAGE"> {
  override readonly name = "UsageError";
  constructor(message: string) {
    super("USAGE", message);
  }
}

export function createContext(deps: CliDeps): CliContext {
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  return {
    env: deps.env ?? process.env,
    stdout,
    stderr,
    stdin: deps.stdin ?? process.stdin,
    deps,
    exitCode: EXIT.OK,
    out: (line = "") => void stdout.write(`${line}\n`),
    err: (line = "") => void stderr.write(`${line}\n`),
  };
}
