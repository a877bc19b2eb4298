/** systemd --user: the unit in ~/.config/systemd/user, driven through `systemctl --user`. */
import { rm } from "node:fs/promises";
import path from "node:path";
import type { Env } from "../config/paths.js";
import { homeDir, statePaths } from "../config/paths.js";
import { checkLinger, lingerNote } from "./linger.js";
import {
  NOT_INSTALLED_HINT,
  ServiceError,
  type ActionOutcome,
  type InstallOutcome,
  type ManagerDeps,
  type ServiceInspection,
  type ServiceManager,
} from "./manager.js";
import { renderSystemdUnit } from "./render.js";
import { START_WATCH_MS, watchStart } from "./start-watch.js";
import { describeFailure, type CommandResult } from "./runner.js";
import { buildServiceSpec, SYSTEMD_UNIT_NAME } from "./spec.js";
import { readIfExists, writeIfChanged } from "./write-file.js";

/** `$XDG_CONFIG_HOME/systemd/user/fastclaw-relay.service` (XDG_CONFIG_HOME only when absolute, per the spec). */
export function systemdUnitPath(env: Env): string {
  const xdg = env.XDG_CONFIG_HOME;
  const configHome = xdg && path.isAbsolute(xdg) ? xdg : path.join(homeDir(env), ".config");
  return path.join(configHome, "systemd", "user", SYSTEMD_UNIT_NAME);
}

const SHOW_PROPERTIES =
  "LoadState,UnitFileState,ActiveState,SubState,MainPID,ActiveEnterTimestamp,NRestarts,ExecMainStatus,Result";

export function parseShow(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

/** `@1700000000` (--timestamp=unix) or `Tue 2024-01-02 03:04:05 UTC` (older systemd). */
export function parseSystemdTimestamp(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const unix = /^@(\d+)$/.exec(value);
  if (unix) return Number(unix[1]) * 1000;
  const plain = /^\w{3} (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?: (\S+))?$/.exec(value);
  if (!plain) return undefined;
  const iso = `${plain[1]}T${plain[2]}${plain[3] === "UTC" ? "Z" : ""}`;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

const BUS_TROUBLE =
  /Failed to connect to bus|No medium found|DBUS_SESSION_BUS_ADDRESS|XDG_RUNTIME_DIR|Failed to get D-Bus connection/i;

export class SystemdService implements ServiceManager {
  readonly kind = "systemd" as const;
  readonly name = SYSTEMD_UNIT_NAME;
  readonly file: string;

  constructor(private readonly deps: ManagerDeps) {
    this.file = systemdUnitPath(deps.env);
  }

  private systemctl(...args: string[]): Promise<CommandResult> {
    return this.deps.runner("systemctl", ["--user", ...args]);
  }

  private failure(args: string[], result: CommandResult): ServiceError {
    if (result.code === 127) {
      return new ServiceError(
        "SERVICE_UNSUPPORTED",
        "systemctl is not installed: this system does not run systemd.",
        "Run `fastclaw-relay run` under another supervisor.",
      );
    }
    const hint = BUS_TROUBLE.test(result.stderr)
      ? "No systemd user manager is reachable from this shell. Log in through a normal session (not `su`), or set XDG_RUNTIME_DIR=/run/user/$(id -u)."
      : undefined;
    return new ServiceError("SERVICE_COMMAND_FAILED", describeFailure("systemctl", ["--user", ...args], result), hint);
  }

  private async must(...args: string[]): Promise<CommandResult> {
    const result = await this.systemctl(...args);
    if (result.code !== 0) throw this.failure(args, result);
    return result;
  }

  private async show(): Promise<Record<string, string>> {
    let result = await this.systemctl("show", "-p", SHOW_PROPERTIES, "--timestamp=unix", this.name);
    // systemd < 248 does not know --timestamp; the plain format is parsed instead.
    if (result.code !== 0 && /timestamp/i.test(result.stderr))
      result = await this.systemctl("show", "-p", SHOW_PROPERTIES, this.name);
    if (result.code !== 0) throw this.failure(["show", this.name], result);
    return parseShow(result.stdout);
  }

  /** Fails early, before anything is written, when there is no user manager to talk to. */
  private async ensureManager(): Promise<void> {
    await this.must("show", "-p", "Version");
  }

  private installed(): Promise<boolean> {
    return readIfExists(this.file).then((content) => content !== undefined);
  }

  /** Watches a just-started unit: a relay that exits (bad config, crash) is reported, not hidden. */
  private settle(): Promise<void> {
    return watchStart({
      watchMs: this.deps.settleMs ?? START_WATCH_MS,
      runtimeFile: statePaths(this.deps.env).runtimeFile,
      probe: async () => {
        const show = await this.show();
        if (show.ActiveState === "activating" && show.SubState !== "auto-restart") return { kind: "starting" };
        const up = show.ActiveState === "active" || show.ActiveState === "reloading";
        if (up && show.SubState !== "auto-restart") {
          const pid = Number(show.MainPID);
          return { kind: "up", pid: Number.isInteger(pid) && pid > 0 ? pid : undefined };
        }
        const status = show.ExecMainStatus ?? "?";
        const error = new ServiceError(
          "SERVICE_DID_NOT_STAY_UP",
          `${this.name} did not stay up: ${show.ActiveState} (${show.SubState}), exit status ${status}.`,
          status === "78"
            ? "The configuration is unusable: `fastclaw-relay status` says why."
            : `See \`fastclaw-relay logs\` or \`journalctl --user -u ${this.name}\`.`,
        );
        return { kind: "failed", error };
      },
    });
  }

  async install(options: { force: boolean }): Promise<InstallOutcome> {
    await this.ensureManager();
    const spec = buildServiceSpec(this.deps, ["run"]);
    const change = await writeIfChanged(this.file, renderSystemdUnit(spec), options.force);
    const reloaded = change !== "unchanged";
    if (reloaded) await this.must("daemon-reload");
    await this.must("enable", this.name);
    await this.systemctl("reset-failed", this.name); // clears a start-limit hit; fails harmlessly when nothing failed
    let process: InstallOutcome["process"];
    const wasActive = (await this.systemctl("is-active", "--quiet", this.name)).code === 0;
    if (reloaded || !wasActive) {
      await this.must(wasActive ? "restart" : "start", this.name);
      process = wasActive ? "restarted" : "started";
      await this.settle();
    } else {
      process = "already running";
    }
    const notes: string[] = [];
    const note = lingerNote(await checkLinger(this.deps.runner, this.deps.username), this.deps.username);
    if (note) notes.push(note);
    return { file: this.file, change, reloaded, process, notes };
  }

  async uninstall(): Promise<ActionOutcome> {
    const existed = await this.installed();
    const configNote = `Configuration kept at ${statePaths(this.deps.env).configFile} (delete it to forget this relay's pairing).`;
    if (!existed) {
      // A unit that is still loaded (file removed by hand) is stopped anyway; no manager is fine too.
      await this.systemctl("stop", this.name);
      return { message: `Nothing to remove: ${this.file} does not exist.`, notes: [configNote] };
    }
    await this.ensureManager();
    const stop = await this.systemctl("stop", this.name);
    if (stop.code !== 0 && stop.code !== 5) throw this.failure(["stop", this.name], stop);
    const disable = await this.systemctl("disable", this.name);
    if (disable.code !== 0) throw this.failure(["disable", this.name], disable);
    await rm(this.file, { force: true });
    await this.must("daemon-reload");
    await this.systemctl("reset-failed", this.name);
    return { message: `Stopped and disabled ${this.name}; removed ${this.file}.`, notes: [configNote] };
  }

  async start(): Promise<ActionOutcome> {
    if (!(await this.installed())) throw new ServiceError("SERVICE_NOT_INSTALLED", `${this.name} is not installed (no ${this.file}).`, NOT_INSTALLED_HINT);
    await this.ensureManager();
    if ((await this.systemctl("is-active", "--quiet", this.name)).code === 0) {
      return { message: `${this.name} is already running.`, notes: [] };
    }
    await this.systemctl("reset-failed", this.name);
    await this.must("start", this.name);
    await this.settle();
    return { message: `Started ${this.name}.`, notes: [] };
  }

  async stop(): Promise<ActionOutcome> {
    const installed = await this.installed();
    const result = await this.systemctl("stop", this.name);
    // 5 = "Unit … not loaded": nothing to stop is not an error; neither is no manager when nothing is installed.
    if (result.code === 5 || (!installed && result.code !== 0)) {
      return { message: `${this.name} is not installed; nothing to stop.`, notes: [] };
    }
    if (result.code !== 0) throw this.failure(["stop", this.name], result);
    return {
      message: `Stopped ${this.name}.`,
      notes: installed ? ["It starts again at the next login or `fastclaw-relay start`."] : [],
    };
  }

  async restart(): Promise<ActionOutcome> {
    if (!(await this.installed())) throw new ServiceError("SERVICE_NOT_INSTALLED", `${this.name} is not installed (no ${this.file}).`, NOT_INSTALLED_HINT);
    await this.ensureManager();
    await this.systemctl("reset-failed", this.name);
    await this.must("restart", this.name);
    await this.settle();
    return { message: `Restarted ${this.name}.`, notes: [] };
  }

  async inspect(): Promise<ServiceInspection> {
    const installed = await this.installed();
    const base: ServiceInspection = { manager: "systemd", name: this.name, file: this.file, installed, state: "unknown" };
    let show: Record<string, string>;
    try {
      show = await this.show();
    } catch (error) {
      const result: ServiceInspection = { ...base, error: error instanceof Error ? error.message : String(error) };
      if (error instanceof ServiceError && error.hint) result.hint = error.hint;
      return result;
    }
    const active = show.ActiveState === "active";
    const state =
      show.LoadState === "not-found"
        ? "not loaded"
        : `${show.ActiveState ?? "unknown"} (${show.SubState ?? "?"})${show.ActiveState === "failed" ? `, exit status ${show.ExecMainStatus ?? "?"}` : ""}`;
    const inspection: ServiceInspection = {
      ...base,
      enabled: show.UnitFileState === "enabled" || show.UnitFileState === "enabled-runtime",
      active,
      state,
    };
    const pid = Number(show.MainPID);
    if (pid > 0) inspection.pid = pid;
    const startedAt = parseSystemdTimestamp(show.ActiveEnterTimestamp);
    if (active && startedAt !== undefined) inspection.startedAt = startedAt;
    if (show.NRestarts !== undefined && show.NRestarts !== "") inspection.restarts = Number(show.NRestarts);
    if (show.ExecMainStatus !== undefined && show.ExecMainStatus !== "") inspection.lastExitStatus = Number(show.ExecMainStatus);
    return inspection;
  }
}
