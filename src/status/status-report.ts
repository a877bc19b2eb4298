/** Gathers what `status` shows: service, process, gateway, Convex, pairing, last error, logs — no secrets. */
import { existsSync } from "node:fs";
import { ConfigError } from "../config/errors.js";
import { loadConfig, type LoadedConfig } from "../config/load.js";
import { statePaths, type Env } from "../config/paths.js";
import { logFilePath } from "../logging/logger.js";
import type { SpoolStatus } from "../convex-sync/spool-health.js";
import { processAlive } from "../runtime/process-alive.js";
import { readRuntimeState, RUNTIME_STALE_AFTER_MS, type RuntimeState } from "../runtime/runtime-state.js";
import { RELAY_VERSION } from "../version.js";
import { createServiceManager } from "../service/create.js";
import { gatewayTargetReport, type GatewayTargetReport } from "../service/gateway-target-status.js";
import type { ManagerDeps, ServiceInspection } from "../service/manager.js";

export interface StatusReport {
  relayVersion: string;
  config: { file: string; state: "ok" | "missing" | "invalid" | "not paired"; error?: string; overrides: string[] };
  service: ServiceInspection | { error: string };
  runtime: {
    running: boolean;
    pid?: number;
    startedAt?: number;
    uptimeMs?: number;
    restarts?: number;
    foreground?: boolean;
    /** False when the running relay's runtime.json is older than RUNTIME_STALE_AFTER_MS: frozen, blocked or unable to write. */
    responding?: boolean;
    /** How old the running relay's runtime.json is. */
    stateAgeMs?: number;
  };
  gateway: {
    known: boolean;
    why?: string;
    url?: string;
    connected?: boolean;
    version?: string;
    protocol?: number;
    scopes?: string[];
    lastError?: string;
  };
  /** Which Gateway the relay's settings select and where each credential comes from (this shell's environment). */
  gatewayTarget: GatewayTargetReport;
  convex: { url?: string; reachable?: boolean; error?: string; relayConnected?: boolean; spooledWrites?: number; spool?: SpoolStatus };
  pairing: { instanceId?: string; instanceName?: string; pairedDevices?: number; pendingPairing?: boolean; error?: string };
  /** Optional features as the running relay reports them, with the reason one is off. */
  features?: { cronControl: { enabled: boolean; reason?: string } };
  lastError?: { message: string; at: number };
  logs: { file: string; exists: boolean; journal?: string };
  /** What is down; empty when healthy. */
  problems: string[];
  /** What to do about it (stderr). */
  hints: string[];
}

export interface StatusDeps extends ManagerDeps {
  now: number;
  /** Convex query; injected by tests, defaults to src/pairing/relay-info.ts. */
  fetchRelayInfo?: typeof import("../pairing/relay-info.js").fetchRelayInfo;
  timeoutMs?: number;
}

async function configSection(env: Env, report: StatusReport): Promise<LoadedConfig | undefined> {
  try {
    const loaded = await loadConfig(env);
    report.config.overrides = Object.values(loaded.overrides);
    if (!loaded.exists && !loaded.effective.convexUrl) report.config.state = "missing";
    else if (!loaded.effective.instanceSecret || !loaded.effective.convexUrl) report.config.state = "not paired";
    return loaded;
  } catch (error) {
    report.config.state = "invalid";
    report.config.error = error instanceof ConfigError ? error.message : String(error);
    return undefined;
  }
}

function runtimeSection(report: StatusReport, runtime: RuntimeState | undefined, now: number): boolean {
  const service = "installed" in report.service ? report.service : undefined;
  if (service?.active && service.pid) {
    report.runtime = { running: true, pid: service.pid };
    if (service.restarts !== undefined) report.runtime.restarts = service.restarts;
    const startedAt = service.startedAt ?? (runtime?.pid === service.pid ? runtime.startedAt : undefined);
    if (startedAt !== undefined) Object.assign(report.runtime, { startedAt, uptimeMs: Math.max(0, now - startedAt) });
  } else if (runtime && processAlive(runtime.pid)) {
    // A relay started by hand (`fastclaw-relay run` in a terminal), not by the service manager.
    report.runtime = {
      running: true,
      pid: runtime.pid,
      startedAt: runtime.startedAt,
      uptimeMs: Math.max(0, now - runtime.startedAt),
      foreground: true,
    };
  }
  if (runtime === undefined || report.runtime.pid !== runtime.pid) return false;
  // A live pid proves nothing more: a frozen relay keeps its pid. Only a recent refresh does.
  const ageMs = Math.max(0, now - runtime.updatedAt);
  report.runtime.stateAgeMs = ageMs;
  report.runtime.responding = ageMs <= RUNTIME_STALE_AFTER_MS;
  return true;
}

export async function collectStatus(deps: StatusDeps): Promise<StatusReport> {
  const paths = statePaths(deps.env);
  const report: StatusReport = {
    relayVersion: RELAY_VERSION,
    config: { file: paths.configFile, state: "ok", overrides: [] },
    service: { error: "not checked" },
    runtime: { running: false },
    gateway: { known: false },
    gatewayTarget: {},
    convex: {},
    pairing: {},
    logs: { file: logFilePath(paths.logsDir), exists: existsSync(logFilePath(paths.logsDir)) },
    problems: [],
    hints: [],
  };
  const loaded = await configSection(deps.env, report);
  const convexUrl = loaded?.effective.convexUrl;
  const secret = loaded?.effective.instanceSecret;
  if (convexUrl) report.convex.url = convexUrl;
  if (loaded?.effective.instanceId) report.pairing.instanceId = loaded.effective.instanceId;
  if (loaded?.effective.instanceName) report.pairing.instanceName = loaded.effective.instanceName;
  report.gatewayTarget = await gatewayTargetReport(deps.env, loaded?.effective.gateway);

  // The three slow questions (service manager, runtime file, Convex) are asked at once.
  const infoPromise =
    convexUrl && secret
      ? (deps.fetchRelayInfo ?? (await import("../pairing/relay-info.js")).fetchRelayInfo)(
          convexUrl,
          secret,
          deps.timeoutMs ?? 3000,
        )
      : undefined;
  const servicePromise = createServiceManager(deps).then(
    (manager) => manager.inspect(),
    (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
  );
  const [service, runtime, info] = await Promise.all([servicePromise, readRuntimeState(paths.runtimeFile), infoPromise]);
  report.service = service;
  if ("installed" in service && service.manager === "systemd") report.logs.journal = `journalctl --user -u ${service.name}`;

  const ours = runtimeSection(report, runtime, deps.now);
  if (runtime && ours && report.runtime.responding) {
    const g = runtime.gateway;
    report.gateway = { known: true, url: g.url, connected: g.connected };
    if (g.serverVersion) report.gateway.version = g.serverVersion;
    if (g.protocol !== undefined) report.gateway.protocol = g.protocol;
    if (g.scopes) report.gateway.scopes = g.scopes;
    if (g.lastError) report.gateway.lastError = g.lastError.message;
    report.convex.relayConnected = runtime.convex.connected;
    report.convex.spooledWrites = runtime.convex.spooledWrites;
    if (runtime.convex.spool) report.convex.spool = runtime.convex.spool;
    if (runtime.features) report.features = runtime.features;
  } else {
    report.gateway.why = !report.runtime.running
      ? "the relay is not running"
      : ours
        ? "the relay is not responding"
        : "the relay has not reported yet";
  }
  // A runtime.json from a relay that is gone says nothing about now; a frozen relay's last error still helps.
  const errors = (ours ? [runtime?.lastError, runtime?.gateway.lastError, runtime?.convex.lastError] : []).filter(
    (e): e is { message: string; at: number } => e !== undefined,
  );
  const latest = errors.sort((a, b) => b.at - a.at)[0];
  if (latest) report.lastError = { message: latest.message, at: latest.at };

  if (info?.ok) {
    report.convex.reachable = true;
    Object.assign(report.pairing, {
      instanceId: info.info.instanceId,
      instanceName: info.info.name,
      pairedDevices: info.info.pairedDevices,
      pendingPairing: info.info.pendingPairing,
    });
  } else if (info) {
    report.convex.reachable = info.reachable;
    if (!info.reachable) report.convex.error = info.message;
    report.pairing.error =
      info.code === "UNAUTHORIZED" ? "Convex rejected this relay's instance secret" : `relay:info failed: ${info.message}`;
  }
  judge(report);
  return report;
}

function judge(report: StatusReport): void {
  const { problems, hints } = report;
  if (report.config.state === "invalid") problems.push(`config: ${report.config.error ?? "invalid"}`);
  if (report.config.state === "missing" || report.config.state === "not paired") {
    problems.push("not paired");
    hints.push("Not paired yet: run `fastclaw-relay pair`.");
  }
  const service = report.service;
  if (!("installed" in service)) {
    if (!report.runtime.running) problems.push(`service: ${service.error}`);
  } else if (service.error) {
    problems.push(`service manager: ${service.error}`);
    if (service.hint) hints.push(service.hint);
  } else if (!service.installed && !report.runtime.running) {
    problems.push("service not installed");
    hints.push("Run `fastclaw-relay install` to run the relay as a service.");
  } else if (!report.runtime.running) {
    problems.push("relay not running");
    hints.push(
      service.lastExitStatus === 78
        ? "The relay stopped because its configuration is unusable (exit 78): fix it, then `fastclaw-relay restart`."
        : "Start it with `fastclaw-relay start`; `fastclaw-relay logs` shows why it stopped.",
    );
  }
  if (report.runtime.running && report.runtime.responding === false) {
    problems.push("relay not responding");
    hints.push(
      `The relay (pid ${report.runtime.pid}) runs but stopped updating its state: it may be frozen (stopped or blocked) or unable to write its state dir. ` +
        "`fastclaw-relay logs` may say why; `fastclaw-relay restart` if it does not recover.",
    );
  }
  if (report.runtime.running && report.gateway.known && report.gateway.connected === false) {
    problems.push("gateway not connected");
    hints.push("Is the OpenClaw Gateway running? `openclaw gateway status` tells.");
  }
  if (report.gatewayTarget.error !== undefined) problems.push(`gateway settings: ${report.gatewayTarget.error}`);
  if (report.convex.reachable === false) problems.push("convex unreachable");
  const spool = report.convex.spool;
  if (report.runtime.running && spool?.state === "failing") {
    problems.push(`spool failing: ${spoolFailureText(spool)}`);
    hints.push(
      spool.failure?.operation === "write"
        ? "The relay cannot write its spool (is the disk full?). It keeps those writes in memory and retries; free space in the state dir before stopping it."
        : "The relay cannot replay its spool to Convex; it retries with backoff. `fastclaw-relay logs` shows the error.",
    );
  }
  if (report.pairing.error && report.convex.reachable !== false) problems.push(`pairing: ${report.pairing.error}`);
}

/** "cannot write (ENOSPC) since …, 3 writes held in memory": one line for the problem list and the Convex line. */
export function spoolFailureText(spool: SpoolStatus): string {
  const failure = spool.failure;
  const what = failure?.operation === "replay" ? "cannot replay" : "cannot write";
  const code = failure?.code ?? failure?.message ?? "unknown error";
  const held = spool.heldWrites > 0 ? `, ${spool.heldWrites} ${spool.heldWrites === 1 ? "write" : "writes"} held in memory` : "";
  return `${what} (${code}${failure ? ` since ${new Date(failure.since).toISOString()}` : ""})${held}`;
}
