/** What a service definition says: which node runs which entry point, with which environment and files. */
import { realpathSync } from "node:fs";
import path from "node:path";
import { homeDir, statePaths, type Env } from "../config/paths.js";
import { packageRoot } from "./package-root.js";

export const SYSTEMD_UNIT_NAME = "fastclaw-relay.service";
/** The launchd label (reverse-DNS, like OpenClaw's `ai.openclaw.gateway`). */
export const LAUNCHD_LABEL = "ai.fastclaw.relay";

/** Variables passed through to the service when set at install time; nothing else is (no secrets). */
export const PASSED_THROUGH_ENV = ["FASTCLAW_STATE_DIR", "OPENCLAW_STATE_DIR", "OPENCLAW_CONFIG_PATH"] as const;

/**
 * Node flags the service runs the relay with, chosen by measurement (`npm run bench`, README
 * "Performance"): the relay idles almost always and carries a few messages a second at most, so it
 * trades peak JIT speed for memory. A 1 MiB young generation stops V8 from growing it to 16 MiB under
 * load (the "growth" that is not a leak), and without the optimising compilers their code pages in
 * the node binary are never touched.
 */
export const RELAY_NODE_ARGS: readonly string[] = ["--max-semi-space-size=1", "--no-opt", "--no-maglev"];

export interface ServiceSpec {
  nodePath: string;
  /** Flags for node itself, before the entry point. */
  nodeArgs: string[];
  entryPath: string;
  /** Arguments after the entry point. */
  args: string[];
  /** Ordered, deterministic. */
  environment: Array<[string, string]>;
  stateDir: string;
  logsDir: string;
}

export interface SpecInputs {
  env: Env;
  platform: NodeJS.Platform;
  /** Absolute node binary (default `process.execPath`). */
  nodePath?: string;
  /** Absolute bin/fastclaw-relay.js (default: resolved from this module). */
  entryPath?: string;
}

/** bin/fastclaw-relay.js of this package, absolute and with symlinks resolved (npm's global bin is a link). */
export function defaultEntryPath(): string {
  const entry = path.join(packageRoot(), "bin", "fastclaw-relay.js");
  try {
    return realpathSync(entry);
  } catch {
    return entry;
  }
}

export function servicePath(nodePath: string, platform: NodeJS.Platform): string {
  const dirs = [path.dirname(nodePath)];
  if (platform === "darwin") dirs.push("/opt/homebrew/bin");
  dirs.push("/usr/local/bin", "/usr/bin", "/bin");
  return [...new Set(dirs)].join(":");
}

/** `args` follow the entry point (`["run"]` under systemd, more under launchd). */
export function buildServiceSpec(inputs: SpecInputs, args: string[]): ServiceSpec {
  const { env, platform } = inputs;
  const nodePath = inputs.nodePath ?? process.execPath;
  const entryPath = inputs.entryPath ?? defaultEntryPath();
  if (!path.isAbsolute(nodePath) || !path.isAbsolute(entryPath)) {
    throw new Error(`service paths must be absolute (node: ${nodePath}, entry: ${entryPath})`);
  }
  const environment: Array<[string, string]> = [
    ["HOME", homeDir(env)],
    ["PATH", servicePath(nodePath, platform)],
    ["NODE_ENV", "production"],
  ];
  for (const name of PASSED_THROUGH_ENV) {
    const value = env[name];
    // Paths are made absolute: the service does not start in the directory install ran in.
    if (value && value.length > 0) environment.push([name, path.resolve(value)]);
  }
  const paths = statePaths(env);
  return { nodePath, nodeArgs: [...RELAY_NODE_ARGS], entryPath, args, environment, stateDir: paths.dir, logsDir: paths.logsDir };
}
