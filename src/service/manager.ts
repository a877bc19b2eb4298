/** The service-manager seam: what install/uninstall/start/stop/restart/status need from systemd or launchd. */
import type { Env } from "../config/paths.js";
import { RelayError } from "../relay-error.js";
import type { CommandRunner } from "./runner.js";

export type ServiceErrorCode =
  /** Neither systemd nor launchd: not Linux or macOS, or the tool is not installed. */
  | "SERVICE_UNSUPPORTED"
  /** systemctl/launchctl answered with a failure. */
  | "SERVICE_COMMAND_FAILED"
  | "SERVICE_NOT_INSTALLED"
  /** Started, then exited within the settle time. */
  | "SERVICE_DID_NOT_STAY_UP"
  /** A path or value that cannot be written into a unit file or plist. */
  | "SERVICE_UNSAFE_VALUE";

export class ServiceError extends RelayError<ServiceErrorCode> {
  override readonly name = "ServiceError";
}

export type FileChange = "created" | "updated" | "rewritten" | "unchanged";

export interface InstallOutcome {
  file: string;
  change: FileChange;
  /** systemctl daemon-reload / launchctl bootout+bootstrap happened. */
  reloaded: boolean;
  /** What happened to the process. */
  process: "started" | "restarted" | "already running";
  /** Hints for stderr (linger, …). */
  notes: string[];
}

export interface ActionOutcome {
  /** One line for stdout, e.g. "Stopped fastclaw-relay.service." */
  message: string;
  notes: string[];
}

export interface ServiceInspection {
  manager: "systemd" | "launchd";
  /** systemd unit name or launchd label. */
  name: string;
  file: string;
  installed: boolean;
  /** undefined: could not be determined. */
  enabled?: boolean;
  active?: boolean;
  /** Human words: "active (running)", "failed (exit 78)", "not loaded"… */
  state: string;
  pid?: number;
  /** Epoch ms when the current run started. */
  startedAt?: number;
  restarts?: number;
  lastExitStatus?: number;
  /** The manager could not be asked (no user bus, launchctl missing…). */
  error?: string;
  /** What to do about `error`. */
  hint?: string;
}

export interface ServiceManager {
  readonly kind: "systemd" | "launchd";
  readonly name: string;
  readonly file: string;
  install(options: { force: boolean }): Promise<InstallOutcome>;
  uninstall(): Promise<ActionOutcome>;
  start(): Promise<ActionOutcome>;
  stop(): Promise<ActionOutcome>;
  restart(): Promise<ActionOutcome>;
  inspect(): Promise<ServiceInspection>;
}

export interface ManagerDeps {
  env: Env;
  platform: NodeJS.Platform;
  runner: CommandRunner;
  uid: number;
  username: string;
  nodePath?: string;
  entryPath?: string;
  /** Longest watch of a freshly started service for its relay to report itself or fail (default START_WATCH_MS; tests use 0). */
  settleMs?: number;
}

export const NOT_INSTALLED_HINT = "Run `fastclaw-relay install` first.";
