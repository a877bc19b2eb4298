/** Runs the built `fastclaw-relay` binary for e2e tests: to completion, or in the background with its output kept. */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runProcess, type Ran } from "../support/run-process.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = path.join(ROOT, "bin", "fastclaw-relay.js");

export type { Ran };

export function runRelayCli(args: string[], env: Record<string, string>, options: { stdin?: string; timeoutMs?: number } = {}): Promise<Ran> {
  return runProcess(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? "", ...env },
    label: `fastclaw-relay ${args.join(" ")}`,
    ...options,
  });
}

export interface Background {
  child: ChildProcess;
  output(): string;
  lines(): string[];
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export function startRelayCli(args: string[], env: Record<string, string>): Background {
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
  child.stderr?.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    output: () => `${stdout}${stderr}`,
    lines: () => stdout.split("\n").filter((l) => l.length > 0),
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Waits for `pair --json` to print its `pairing` event and returns the fastclaw:// payload. */
export async function pairingPayload(pair: Background, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const line of pair.lines()) {
      const event = JSON.parse(line) as { event?: string; payload?: string };
      if (event.event === "pairing" && event.payload) return event.payload;
    }
    if (pair.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`pair --json printed no pairing event:\n${pair.output()}`);
}
