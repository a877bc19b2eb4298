/** launchd: a LaunchAgent in ~/Library/LaunchAgents, driven through `launchctl` (gui/<uid> domain). */
import { chmod, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { homeDir, statePaths, type Env } from "../config/paths.js";
import {
  NOT_INSTALLED_HINT,
  ServiceError,
  type ActionOutcome,
  type InstallOutcome,
  type ManagerDeps,
  type ServiceInspection,
  type ServiceManager,
} from "./manager.js";
import { renderLaunchdPlist } from "./render.js";
import { START_WATCH_MS, watchStart } from "./start-watch.js";
import { describeFailure, type CommandResult } from "./runner.js";
import { buildServiceSpec, LAUNCHD_LABEL } from "./spec.js";
import { readIfExists, writeIfChanged } from "./write-file.js";

/** How long a launchd job may show "not running" right after a start before that counts as a failure. */
const LAUNCHD_GRACE_MS = 1_500;

export function launchdPlistPath(env: Env): string {
  const home = homeDir(env);
  return path.join(home, "Library", "LaunchAgents", `${LAUNCHD_LABEL}.plist`);
}

/** Arguments the LaunchAgent runs with; see the template's comment for why they differ from systemd's. */
export const LAUNCHD_RUN_ARGS = ["run", "--no-log-stdout", "--config-error-exit-code", "0"];

export interface LaunchctlPrint {
  state?: string;
  pid?: number;
  runs?: number;
  lastExitCode?: number;
}

export function parseLaunchctlPrint(stdout: string): LaunchctlPrint {
  const field = (name: string): string | undefined => new RegExp(`^\\s*${name} = (.+)$`, "m").exec(stdout)?.[1]?.trim();
  const out: LaunchctlPrint = {};
  const state = field("state");
  if (state) out.state = state;
  const pid = Number(field("pid"));
  if (Number.isInteger(pid) && pid > 0) out.pid = pid;
  const runs = Number(field("runs"));
  if (Number.isInteger(runs)) out.runs = runs;
  const exit = Number(field("last exit code"));
  if (Number.isInteger(exit)) out.lastExitCode = exit;
  return out;
}

/** `"ai.fastclaw.relay" => disabled|enabled|true|false` from `launchctl print-disabled` (true = disabled on old macOS). */
export function parseDisabled(stdout: string, label: string): boolean | undefined {
  const match = new RegExp(`"${label.replace(/\./g, "\\.")}" => (\\w+)`).exec(stdout);
  if (!match) return undefined;
  return match[1] === "disabled" || match[1] === "true";
}

export class LaunchdService implements ServiceManager {
  readonly kind = "launchd" as const;
  readonly name = LAUNCHD_LABEL;
  readonly file: string;
  private readonly domain: string;
  private readonly target: string;

  constructor(private readonly deps: ManagerDeps) {
    this.file = launchdPlistPath(deps.env);
    this.domain = `gui/${deps.uid}`;
    this.target = `${this.domain}/${LAUNCHD_LABEL}`;
  }

  private launchctl(...args: string[]): Promise<CommandResult> {
    return this.deps.runner("launchctl", args);
  }

  private async must(...args: string[]): Promise<CommandResult> {
    const result = await this.launchctl(...args);
    if (result.code === 127)
      throw new ServiceError("SERVICE_UNSUPPORTED", "launchctl is not available.", "Run `fastclaw-relay run` under another supervisor.");
    if (result.code !== 0) throw new ServiceError("SERVICE_COMMAND_FAILED", describeFailure("launchctl", args, result));
    return result;
  }

  private async print(): Promise<LaunchctlPrint | undefined> {
    const result = await this.launchctl("print", this.target);
    if (result.code === 127) throw new ServiceError("SERVICE_UNSUPPORTED", "launchctl is not available.");
    return result.code === 0 ? parseLaunchctlPrint(result.stdout) : undefined;
  }

  private installed(): Promise<boolean> {
    return readIfExists(this.file).then((content) => content !== undefined);
  }

  /** Watches a just-started job: a relay that exits (bad config, crash) is reported, not hidden. */
  private settle(): Promise<void> {
    return watchStart({
      watchMs: this.deps.settleMs ?? START_WATCH_MS,
      // `kickstart -k` leaves the previous run's exit code showing until the new process is up.
      graceMs: LAUNCHD_GRACE_MS,
      runtimeFile: statePaths(this.deps.env).runtimeFile,
      probe: async () => {
        const printed = await this.print();
        if (printed?.state === "running") return { kind: "up", pid: printed.pid };
        // Not running and never exited: launchd has not spawned it yet. Not running after an exit: it did not hold.
        if (printed && printed.lastExitCode === undefined) return { kind: "starting" };
        const error = new ServiceError(
          "SERVICE_DID_NOT_STAY_UP",
          `${LAUNCHD_LABEL} did not stay up (state ${printed?.state ?? "not loaded"}, last exit code ${printed?.lastExitCode ?? "?"}).`,
          "`fastclaw-relay status` and `fastclaw-relay logs` say why.",
        );
        return { kind: "failed", error };
      },
    });
  }


  async install(options: { force: boolean }): Promise<InstallOutcome> {
    const spec = buildServiceSpec(this.deps, LAUNCHD_RUN_ARGS);
    // launchd does not create the directories of StandardOutPath/StandardErrorPath.
    await mkdir(spec.logsDir, { recursive: true, mode: 0o700 });
    const change = await writeIfChanged(this.file, renderLaunchdPlist(spec), options.force);
    await chmod(this.file, 0o644);
    const before = await this.print();
    await this.must("enable", this.target);
    let process: InstallOutcome["process"];
    let reloaded = false;
    if (before && change !== "unchanged") {
      // A loaded job keeps its old definition until it is booted out and bootstrapped again.
      await this.launchctl("bootout", this.target);
      await this.must("bootstrap", this.domain, this.file);
      reloaded = true;
      process = "restarted";
    } else if (!before) {
      await this.must("bootstrap", this.domain, this.file);
      reloaded = true;
      process = "started";
    } else if (before.state === "running") {
      process = "already running";
    } else {
      await this.must("kickstart", this.target);
      process = "started";
    }
    if (process !== "already running") await this.settle();
    return { file: this.file, change, reloaded, process, notes: [] };
  }

  async uninstall(): Promise<ActionOutcome> {
    const existed = await this.installed();
    const configNote = `Configuration kept at ${statePaths(this.deps.env).configFile} (delete it to forget this relay's pairing).`;
    if (await this.print()) await this.must("bootout", this.target);
    if (!existed) return { message: `Nothing to remove: ${this.file} does not exist.`, notes: [configNote] };
    await rm(this.file, { force: true });
    return { message: `Stopped ${LAUNCHD_LABEL}; removed ${this.file}.`, notes: [configNote] };
  }

  async start(): Promise<ActionOutcome> {
    if (!(await this.installed()))
      throw new ServiceError("SERVICE_NOT_INSTALLED", `${LAUNCHD_LABEL} is not installed (no ${this.file}).`, NOT_INSTALLED_HINT);
    const before = await this.print();
    if (before?.state === "running") return { message: `${LAUNCHD_LABEL} is already running.`, notes: [] };
    await this.must("enable", this.target);
    if (before) await this.must("kickstart", this.target);
    else await this.must("bootstrap", this.domain, this.file);
    await this.settle();
    return { message: `Started ${LAUNCHD_LABEL}.`, notes: [] };
  }

  async stop(): Promise<ActionOutcome> {
    if (!(await this.print())) return { message: `${LAUNCHD_LABEL} is not loaded; nothing to stop.`, notes: [] };
    // bootout is the only stop KeepAlive does not undo; the job loads again at next login (RunAtLoad).
    await this.must("bootout", this.target);
    return { message: `Stopped ${LAUNCHD_LABEL}.`, notes: ["It starts again at the next login or `fastclaw-relay start`."] };
  }

  async restart(): Promise<ActionOutcome> {
    if (!(await this.installed()))
      throw new ServiceError("SERVICE_NOT_INSTALLED", `${LAUNCHD_LABEL} is not installed (no ${this.file}).`, NOT_INSTALLED_HINT);
    const before = await this.print();
    await this.must("enable", this.target);
    if (before) await this.must("kickstart", "-k", this.target);
    else await this.must("bootstrap", this.domain, this.file);
    await this.settle();
    return { message: `Restarted ${LAUNCHD_LABEL}.`, notes: [] };
  }

  async inspect(): Promise<ServiceInspection> {
    const installed = await this.installed();
    const base: ServiceInspection = { manager: "launchd", name: LAUNCHD_LABEL, file: this.file, installed, state: "unknown" };
    let printed: LaunchctlPrint | undefined;
    let disabled: boolean | undefined;
    try {
      printed = await this.print();
      const list = await this.launchctl("print-disabled", this.domain);
      disabled = list.code === 0 ? parseDisabled(list.stdout, LAUNCHD_LABEL) : undefined;
    } catch (error) {
      const result: ServiceInspection = { ...base, error: error instanceof Error ? error.message : String(error) };
      if (error instanceof ServiceError && error.hint) result.hint = error.hint;
      return result;
    }
    const inspection: ServiceInspection = {
      ...base,
      enabled: installed && disabled !== true,
      active: printed?.state === "running",
      state: printed ? (printed.state ?? "loaded") : "not loaded",
    };
    if (printed?.pid) inspection.pid = printed.pid;
    if (printed?.runs !== undefined) inspection.restarts = Math.max(0, printed.runs - 1);
    if (printed?.lastExitCode !== undefined) inspection.lastExitStatus = printed.lastExitCode;
    return inspection;
  }
}
