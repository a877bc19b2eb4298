/** Renders the service definitions from packaging/ templates: same inputs, same bytes. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { packageRoot } from "./package-root.js";
import { systemdEnvironment, systemdExecArg, xmlEscape } from "./escape.js";
import { LAUNCHD_LABEL, type ServiceSpec } from "./spec.js";

export const SYSTEMD_TEMPLATE = path.join("packaging", "systemd", "fastclaw-relay.service.in");
export const LAUNCHD_TEMPLATE = path.join("packaging", "launchd", "ai.fastclaw.relay.plist.in");

export function readTemplate(relative: string): string {
  return readFileSync(path.join(packageRoot(), relative), "utf8");
}

/** Replaces every `{{NAME}}`; a placeholder without a value is a bug, not something to ship. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  const out = template.replace(/\{\{([A-Z_]+)\}\}/g, (match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template placeholder ${match} has no value`);
    return value;
  });
  return out;
}

/** What the service executes: node, its flags, the entry point, the command. */
export function commandLine(spec: ServiceSpec): string[] {
  return [spec.nodePath, ...spec.nodeArgs, spec.entryPath, ...spec.args];
}

export function renderSystemdUnit(spec: ServiceSpec, template = readTemplate(SYSTEMD_TEMPLATE)): string {
  return fillTemplate(template, {
    EXEC_START: commandLine(spec).map(systemdExecArg).join(" "),
    ENVIRONMENT: spec.environment.map(([name, value]) => systemdEnvironment(name, value)).join("\n"),
  });
}

export function launchdLogPaths(spec: ServiceSpec): { stdout: string; stderr: string } {
  return { stdout: path.join(spec.logsDir, "launchd.stdout.log"), stderr: path.join(spec.logsDir, "launchd.stderr.log") };
}

export function renderLaunchdPlist(spec: ServiceSpec, template = readTemplate(LAUNCHD_TEMPLATE)): string {
  const logs = launchdLogPaths(spec);
  return fillTemplate(template, {
    LABEL: xmlEscape(LAUNCHD_LABEL),
    PROGRAM_ARGUMENTS: commandLine(spec)
      .map((arg) => `    <string>${xmlEscape(arg)}</string>`)
      .join("\n"),
    ENVIRONMENT: spec.environment
      .map(([name, value]) => `    <key>${xmlEscape(name)}</key>\n    <string>${xmlEscape(value)}</string>`)
      .join("\n"),
    STDOUT_PATH: xmlEscape(logs.stdout),
    STDERR_PATH: xmlEscape(logs.stderr),
  });
}
