/** Runs the real `openclaw` CLI against the shared e2e Gateway (its state dir and config), as a person on that machine would. */
import path from "node:path";
import { gatewayNodeBinary } from "../../dev/devkit/local-gateway.js";
import { e2eInfo } from "./gateway-fixture.js";
import { runProcess, type Ran } from "./run-process.js";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");

export async function openclawCli(args: string[], timeoutMs = 120_000): Promise<Ran> {
  const info = e2eInfo();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: path.join(info.gatewayStateDir, "home"),
    OPENCLAW_STATE_DIR: info.gatewayStateDir,
    OPENCLAW_CONFIG_PATH: info.gatewayConfigPath,
    OPENCLAW_NO_AUTO_UPDATE: "1",
    OPENCLAW_DISABLE_BONJOUR: "1",
  };
  return runProcess(gatewayNodeBinary(ROOT), [path.join(ROOT, "node_modules", "openclaw", "openclaw.mjs"), ...args], {
    env,
    timeoutMs,
    label: `openclaw ${args.join(" ")}`,
  });
}

/** Like openclawCli, but a non-zero exit throws with the output. */
export async function openclawOk(args: string[], timeoutMs?: number): Promise<string> {
  const ran = await openclawCli(args, timeoutMs);
  if (ran.code !== 0) throw new Error(`openclaw ${args.join(" ")} exited ${ran.code}\n${ran.stdout}\n${ran.stderr}`);
  return ran.stdout;
}

/** The JSON document a `--json` command printed (after any banner lines). */
export function jsonFrom(stdout: string): unknown {
  const start = stdout.search(/^[{[]/m);
  if (start < 0) throw new Error(`no JSON in: ${stdout}`);
  return JSON.parse(stdout.slice(start));
}
