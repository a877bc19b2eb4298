/** Runs the CLI in-process with captured streams and a throwaway environment. */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { main, type CliDeps } from "../../src/cli/main.js";
import { capture, SECRET, type Sandbox } from "../service/helpers.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(argv: string[], deps: CliDeps): Promise<CliResult> {
  const stdout = capture();
  const stderr = capture();
  const code = await main(argv, {
    platform: "linux",
    settleMs: 0,
    nodePath: process.execPath,
    entryPath: path.resolve("bin/fastclaw-relay.js"),
    ...deps,
    stdout,
    stderr,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

export function writeConfig(
  box: Sandbox,
  config: unknown = { convexUrl: "http://127.0.0.1:9", instanceSecret: SECRET, contentKey: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", instanceId: "inst1", instanceName: "Desk" },
): void {
  mkdirSync(box.stateDir, { recursive: true });
  writeFileSync(box.configFile, typeof config === "string" ? config : JSON.stringify(config));
}
