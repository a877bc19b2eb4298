/** A child process the trial started: its output kept (last lines) for error messages, and a stop that always ends it. */
import { spawn, type ChildProcess } from "node:child_process";

export interface TrialChild {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Promise<number | string>;
  running(): boolean;
  /** The last lines it printed (stdout and stderr interleaved). */
  tail(lines?: number): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Called with each complete stdout line. */
  onStdoutLine?: (line: string) => void;
}

const KEEP_CHARS = 64 * 1024;

export function spawnChild(name: string, command: string, args: readonly string[], options: SpawnOptions): TrialChild {
  const child = spawn(command, [...args], { env: options.env, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let partial = "";
  const keep = (text: string) => {
    output = (output + text).slice(-KEEP_CHARS);
  };
  child.stdout?.on("data", (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    keep(text);
    if (!options.onStdoutLine) return;
    partial += text;
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) options.onStdoutLine(line);
  });
  child.stderr?.on("data", (chunk: Buffer) => keep(chunk.toString("utf8")));
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
    child.once("error", (error) => {
      keep(`${error.message}\n`);
      resolve("spawn-error");
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null && child.pid !== undefined;
  return {
    name,
    child,
    exited,
    running,
    tail: (lines = 20) => output.trimEnd().split("\n").slice(-lines).join("\n"),
    stop: async (graceMs = 10_000) => {
      if (!running()) {
        await exited;
        return;
      }
      child.kill("SIGTERM");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)))]);
      clearTimeout(timer);
      if (!done) {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}
