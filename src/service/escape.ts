/** Quoting for the two file formats services are written in: systemd unit lines and XML plists. */

/** One ExecStart= word: always quoted; `%` and `$` doubled so systemd expands neither. */
export function systemdExecArg(value: string): string {
  const escaped = value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%").replace(/\$/g, "$$$$");
  return `"${escaped}"`;
}

/** One Environment= assignment, quoted; `%` doubled (specifiers are expanded there, variables are not). */
export function systemdEnvironment(name: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid environment variable name: ${name}`);
  if (/[\n\r]/.test(value)) throw new Error(`environment variable ${name} contains a line break`);
  const escaped = `${name}=${value}`.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%");
  return `Environment="${escaped}"`;
}

export function xmlEscape(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}
