/** Where fastclaw-relay keeps its state: one directory, derived from the environment it is given. */
import os from "node:os";
import path from "node:path";

export type Env = Readonly<Record<string, string | undefined>>;

export interface StatePaths {
  /** `~/.openclaw/fastclaw` (0700). */
  dir: string;
  /** `config.json` (0600): Convex URL, instance id and secret, gateway overrides. */
  configFile: string;
  /** `device-identity.json` (0600): the relay's Ed25519 identity towards the Gateway. */
  deviceIdentityFile: string;
  /** `logs/`: winston's rotating log files. */
  logsDir: string;
  /** `spool/`: Convex-bound writes kept on disk while Convex is unreachable. */
  spoolDir: string;
  /** `runtime.json`: what the running relay last reported (pid, gateway/convex state, last error). */
  runtimeFile: string;
  /** `cursors.json`: the Gateway transcript catch-up cursor of every mirrored session. */
  cursorsFile: string;
  /** `relay.lock`: the pid of the one `run` using this dir. */
  runLockFile: string;
}

/** The user's home: `HOME` as the environment gives it (tests and services set it), else the OS's answer. */
export function homeDir(env: Env): string {
  return env.HOME && env.HOME.length > 0 ? env.HOME : os.homedir();
}

/** OpenClaw's own state dir: `OPENCLAW_STATE_DIR` or `~/.openclaw`. */
export function openclawStateDir(env: Env): string {
  return env.OPENCLAW_STATE_DIR && env.OPENCLAW_STATE_DIR.length > 0
    ? path.resolve(env.OPENCLAW_STATE_DIR)
    : path.join(homeDir(env), ".openclaw");
}

/** The relay's dir: `FASTCLAW_STATE_DIR`, else `<OpenClaw state dir>/fastclaw`. */
export function statePaths(env: Env): StatePaths {
  const dir =
    env.FASTCLAW_STATE_DIR && env.FASTCLAW_STATE_DIR.length > 0
      ? path.resolve(env.FASTCLAW_STATE_DIR)
      : path.join(openclawStateDir(env), "fastclaw");
  return {
    dir,
    configFile: path.join(dir, "config.json"),
    deviceIdentityFile: path.join(dir, "device-identity.json"),
    logsDir: path.join(dir, "logs"),
    spoolDir: path.join(dir, "spool"),
    runtimeFile: path.join(dir, "runtime.json"),
    cursorsFile: path.join(dir, "cursors.json"),
    runLockFile: path.join(dir, "relay.lock"),
  };
}
