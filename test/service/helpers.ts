/** Test helpers: a throwaway HOME/state dir per test, and a recording CommandRunner. */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { CommandResult, CommandRunner } from "../../src/service/runner.js";
import type { OutputStream } from "../../src/cli/context.js";

export interface Sandbox {
  root: string;
  env: Record<string, string>;
  stateDir: string;
  configFile: string;
  cleanup(): void;
}

/** HOME, FASTCLAW_STATE_DIR and XDG_CONFIG_HOME all under one fresh temp dir: nothing real is touched. */
export function makeSandbox(): Sandbox {
  const root = mkdtempSync(path.join(os.tmpdir(), "fcr-test-"));
  const stateDir = path.join(root, "state");
  const env: Record<string, string> = {
    HOME: path.join(root, "home"),
    FASTCLAW_STATE_DIR: stateDir,
    XDG_CONFIG_HOME: path.join(root, "xdg"),
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    USER: "tester",
  };
  return {
    root,
    env,
    stateDir,
    configFile: path.join(stateDir, "config.json"),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

export interface RecordedCall {
  command: string;
  args: string[];
}

export type Responder = (command: string, args: string[]) => Partial<CommandResult> | undefined;

/** Records every call; answers with `respond` (default: success with empty output). */
export function recorder(respond: Responder = () => undefined): {
  runner: CommandRunner;
  calls: RecordedCall[];
  lines(): string[];
} {
  const calls: RecordedCall[] = [];
  const runner: CommandRunner = async (command, args) => {
    calls.push({ command, args: [...args] });
    const answer = respond(command, [...args]) ?? {};
    return { code: answer.code ?? 0, stdout: answer.stdout ?? "", stderr: answer.stderr ?? "" };
  };
  return { runner, calls, lines: () => calls.map((c) => [c.command, ...c.args].join(" ")) };
}

/** A writable that keeps what was written. */
export function capture(): OutputStream & { text(): string } {
  let buffer = "";
  return {
    write: (chunk: string) => {
      buffer += chunk;
      return true;
    },
    text: () => buffer,
  };
}

export const SECRET = "S3cretSecretSecretSecretSecretSecretSecret1";
export const GATEWAY_TOKEN = "gw-Token-0123456789-abcdefghij-KLMNOP";
