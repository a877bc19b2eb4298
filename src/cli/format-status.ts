/** Turns a StatusReport into `Label: value` lines (stdout) and hints (stderr). */
import { spoolFailureText, type StatusReport } from "../status/status-report.js";
import { formatGatewayTarget } from "../service/gateway-target-status.js";
import { formatDuration, labelLines, plural } from "./format.js";

function serviceLine(report: StatusReport): Array<[string, string]> {
  const s = report.service;
  if (!("installed" in s)) return [["Service", `unavailable (${s.error})`]];
  const kind = s.manager === "systemd" ? `systemd user unit ${s.name}` : `LaunchAgent ${s.name}`;
  if (s.error)
    return [
      ["Service", `${kind}: unknown (${s.error})`],
      ["Service file", `${s.file}${s.installed ? "" : " (missing)"}`],
    ];
  const words = s.installed
    ? ["installed", s.enabled ? "enabled" : "not enabled", s.state]
    : ["not installed", ...(s.state !== "not loaded" ? [s.state] : [])];
  return [
    ["Service", `${kind}: ${words.join(", ")}`],
    ["Service file", `${s.file}${s.installed ? "" : " (missing)"}`],
  ];
}

function runtimeLine(report: StatusReport): string {
  const r = report.runtime;
  if (!r.running) {
    const s = report.service;
    const exit = "installed" in s && s.lastExitStatus ? `, last exit status ${s.lastExitStatus}` : "";
    return `not running${exit}`;
  }
  const parts = [`pid ${r.pid}`];
  if (r.uptimeMs !== undefined) parts.push(`up ${formatDuration(r.uptimeMs)}`);
  if (r.restarts !== undefined) parts.push(plural(r.restarts, "restart"));
  if (r.foreground) parts.push("started by hand, not by the service");
  const stale = r.responding === false ? ` but not responding: its state was last updated ${formatDuration(r.stateAgeMs ?? 0)} ago` : "";
  return `running (${parts.join(", ")})${stale}`;
}

function gatewayLine(report: StatusReport): string {
  const g = report.gateway;
  if (!g.known) return `unknown (${g.why ?? "no report"})`;
  if (!g.connected) return `not connected to ${g.url ?? "?"}${g.lastError ? ` (${g.lastError})` : ""}`;
  const details = [
    g.version ? `OpenClaw ${g.version}` : undefined,
    g.protocol !== undefined ? `protocol ${g.protocol}` : undefined,
  ]
    .filter(Boolean)
    .join(", ");
  const scopes = g.scopes && g.scopes.length > 0 ? `; scopes ${g.scopes.join(", ")}` : "";
  return `connected to ${g.url ?? "?"}${details ? ` (${details}${scopes})` : scopes ? ` (${scopes.slice(2)})` : ""}`;
}

function convexLine(report: StatusReport): string {
  const c = report.convex;
  if (!c.url) return "not configured";
  const reach = c.reachable === undefined ? "not checked" : c.reachable ? "reachable" : `unreachable (${c.error ?? "?"})`;
  const relay = c.relayConnected === undefined ? "" : `; relay ${c.relayConnected ? "connected" : "not connected"}`;
  const spool = c.spooledWrites ? `, ${plural(c.spooledWrites, "write")} spooled` : "";
  const failing = c.spool?.state === "failing" ? `; spool failing: ${spoolFailureText(c.spool)}` : "";
  return `${reach} — ${c.url}${relay}${spool}${failing}`;
}

function pairingLine(report: StatusReport): string {
  const p = report.pairing;
  if (report.config.state === "missing" || report.config.state === "not paired") return "not paired";
  if (report.config.state === "invalid") return "unknown (the configuration is unusable)";
  const who = [p.instanceId ? `instance ${p.instanceId}` : "instance ?", p.instanceName ? `"${p.instanceName}"` : undefined]
    .filter(Boolean)
    .join(" ");
  if (report.convex.reachable === false) return `${who}; devices unknown (Convex unreachable)`;
  if (p.error) return `${who}; ${p.error}`;
  if (p.pairedDevices === undefined) return `${who}; devices unknown`;
  return `${who}; ${plural(p.pairedDevices, "paired device")}${p.pendingPairing ? ", a pairing code is pending" : ""}`;
}

function configLine(report: StatusReport): string {
  const c = report.config;
  const state = c.state === "invalid" ? `invalid: ${c.error ?? "?"}` : c.state;
  const overrides = c.overrides.length > 0 ? `; overridden by ${c.overrides.join(", ")}` : "";
  return c.state === "invalid" ? state : `${c.file} (${state}${overrides})`;
}

function featureLines(report: StatusReport): Array<[string, string]> {
  const cron = report.features?.cronControl;
  if (!cron) return [];
  return [["Cron control", cron.enabled ? "on (the app may run and enable/disable jobs)" : `off: ${cron.reason ?? "not enabled"}`]];
}

export function formatStatus(report: StatusReport): string[] {
  const last = report.lastError ? `${new Date(report.lastError.at).toISOString()} ${report.lastError.message}` : "none reported";
  const logs = `${report.logs.file}${report.logs.exists ? "" : " (not written yet)"}${report.logs.journal ? `; also ${report.logs.journal}` : ""}`;
  return labelLines([
    ["Relay", `fastclaw-relay ${report.relayVersion}`],
    ...serviceLine(report),
    ["Runtime", runtimeLine(report)],
    ["Config", configLine(report)],
    ["Gateway", gatewayLine(report)],
    ["Gateway target", formatGatewayTarget(report.gatewayTarget)],
    ["Convex", convexLine(report)],
    ["Pairing", pairingLine(report)],
    ...featureLines(report),
    ["Last error", last],
    ["Logs", logs],
    ["Health", report.problems.length === 0 ? "ok" : `problems: ${report.problems.join("; ")}`],
  ]);
}
