/** Runs a process to completion for tests, keeping its output; callers decide what its exit code means. */
import { spawn } from "node:child_process";

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env: Record<string, string>;
  /** Written to stdin, which is then closed (closed at once without it). */
  stdin?: string;
  timeoutMs?: number;
  /** Names the process in the timeout error. */
  label: string;
}

/** Rejects, after SIGKILL, only when the process outlives `timeoutMs`; any exit code resolves. */
export function runProcess(command: string, args: readonly string[], options: RunOptions): Promise<Ran> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { env: options.env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${options.label} did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin);
  });
}
