/** Runs service-manager commands (systemctl, launchctl, loginctl) and reports; callers decide what is an error. */
import type { Env } from "../config/paths.js";

export interface CommandResult {
  /** Exit code; 127 when the command does not exist, 124 when it timed out. */
  code: number;
  stdout: string;
  stderr: string;
}

export type CommandRunner = (command: string, args: readonly string[]) => Promise<CommandResult>;

/** The real runner: execa with the given environment only, no stdin, and a timeout. */
export function createExecaRunner(env: Env, timeoutMs = 30_000): CommandRunner {
  return async (command, args) => {
    const { execa } = await import("execa");
    const result = await execa(command, [...args], {
      reject: false,
      stdin: "ignore",
      timeout: timeoutMs,
      env: { ...env },
      extendEnv: false,
      stripFinalNewline: true,
    });
    if (result.code === "ENOENT") return { code: 127, stdout: "", stderr: `${command}: command not found` };
    if (result.timedOut)
      return { code: 124, stdout: String(result.stdout ?? ""), stderr: `${command} timed out after ${timeoutMs} ms` };
    return { code: result.exitCode ?? 1, stdout: String(result.stdout ?? ""), stderr: String(result.stderr ?? "") };
  };
}

/** One line for a message: the command and what it said. */
export function describeFailure(command: string, args: readonly string[], result: CommandResult): string {
  const said = (result.stderr || result.stdout).trim().split("\n").slice(0, 3).join(" / ");
  return `\`${[command, ...args].join(" ")}\` exited ${result.code}${said ? `: ${said}` : ""}`;
}
