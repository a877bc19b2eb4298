/** Quoting for the two file formats services are written in: systemd unit lines and XML plists. */

import { ServiceError } from "./manager.js";

/**
 * Control characters (C0 incl. CR/LF and TAB, DEL, C1) in anything rendered into a unit or plist: a
 * line break ends the directive and starts one of the attacker's choosing (systemd has no escape for
 * it inside a quoted word), and the rest has no business in a path or a value.
 */
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;

/** Refuses `value` for `what` when it holds a control character; says which and where, not the whole value. */
export function refuseControlChars(what: string, value: string): string {
  const match = CONTROL.exec(value);
  if (match) {
    const code = `U+${match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
    const kind = match[0] === "\n" || match[0] === "\r" ? "a line break" : "a control character";
    throw new ServiceError(
      "SERVICE_UNSAFE_VALUE",
      `${what} contains ${kind} (${code} at position ${match.index}): it cannot be written into the service definition`,
      "Install from a path (and with environment values) without line breaks or other control characters.",
    );
  }
  return value;
}

/** One ExecStart= word: always quoted; `%` and `$` doubled so systemd expands neither; no control characters. */
export function systemdExecArg(value: string): string {
  refuseControlChars("a word of the service's command line", value);
  const escaped = value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%").replace(/\$/g, "$$$$");
  return `"${escaped}"`;
}

/** One Environment= assignment, quoted; `%` doubled (specifiers are expanded there, variables are not). */
export function systemdEnvironment(name: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid environment variable name: ${name}`);
  refuseControlChars(`environment variable ${name}`, value);
  const escaped = `${name}=${value}`.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%");
  return `Environment="${escaped}"`;
}

/** Text for a plist <string>/<key>: XML-escaped; control characters refused (most are not even legal XML 1.0). */
export function xmlEscape(value: string): string {
  refuseControlChars("a value of the LaunchAgent", value);
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}
