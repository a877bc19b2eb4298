// @ts-check
/** Finds the fastclaw-relay command for the plugin and runs it: FASTCLAW_RELAY_BIN, the package's own bin, then PATH. */
import { spawn } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * @typedef {{ command: string, args: string[], source: string }} RelayCommand
 *   How to start fastclaw-relay: `command ...args <subcommand>`; `source` says where it was found.
 */

/** @param {string} file */
function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The fastclaw-relay package this plugin ships in (packaging/openclaw-plugin → the package root).
 * @param {string} pluginDir
 * @returns {string | undefined} its bin/fastclaw-relay.js
 */
export function packagedBin(pluginDir = here) {
  const root = path.resolve(pluginDir, "..", "..");
  const bin = path.join(root, "bin", "fastclaw-relay.js");
  try {
    const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
    if (pkg && pkg.name === "fastclaw-relay" && existsSync(bin)) return bin;
  } catch {
    // not inside the package (the plugin dir was copied elsewhere)
  }
  return undefined;
}

/**
 * @param {string} name
 * @param {string | undefined} searchPath
 */
export function onPath(name, searchPath = process.env.PATH) {
  for (const dir of (searchPath ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

/**
 * @param {{ env?: NodeJS.ProcessEnv, pluginDir?: string, nodePath?: string }} [options]
 * @returns {RelayCommand | undefined}
 */
export function resolveRelayCommand(options = {}) {
  const env = options.env ?? process.env;
  const node = options.nodePath ?? process.execPath;
  const explicit = env.FASTCLAW_RELAY_BIN;
  if (explicit) {
    // A .js entry runs on this Node; anything else is executed directly.
    return explicit.endsWith(".js") ? { command: node, args: [explicit], source: "FASTCLAW_RELAY_BIN" } : { command: explicit, args: [], source: "FASTCLAW_RELAY_BIN" };
  }
  const bundled = packagedBin(options.pluginDir);
  if (bundled) return { command: node, args: [bundled], source: `the fastclaw-relay package (${bundled})` };
  const found = onPath("fastclaw-relay", env.PATH);
  if (found) return { command: found, args: [], source: `PATH (${found})` };
  return undefined;
}

export const NOT_FOUND =
  "fastclaw-relay is not installed where this plugin can find it. Install it (`npm install -g fastclaw-relay`), " +
  "or set FASTCLAW_RELAY_BIN to its path.";

/**
 * Runs `fastclaw-relay <args>` with this terminal; resolves to its exit code.
 * @param {string[]} args
 * @param {{ env?: NodeJS.ProcessEnv, pluginDir?: string }} [options]
 * @returns {Promise<number>}
 */
export function runRelayInteractive(args, options = {}) {
  const relay = resolveRelayCommand(options);
  if (!relay) {
    process.stderr.write(`${NOT_FOUND}\n`);
    return Promise.resolve(127);
  }
  return new Promise((resolve) => {
    const child = spawn(relay.command, [...relay.args, ...args], { stdio: "inherit", env: options.env ?? process.env });
    child.once("error", (error) => {
      process.stderr.write(`cannot run fastclaw-relay (${relay.source}): ${error.message}\n`);
      resolve(127);
    });
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 + 15 : 1)));
  });
}

/**
 * `fastclaw-relay status --json`, parsed: what the gateway method answers (the report carries no secrets).
 * @param {{ env?: NodeJS.ProcessEnv, pluginDir?: string, timeoutMs?: number }} [options]
 * @returns {Promise<{ ok: true, report: Record<string, unknown>, source: string } | { ok: false, code: string, message: string }>}
 */
export function relayStatus(options = {}) {
  const relay = resolveRelayCommand(options);
  if (!relay) return Promise.resolve({ ok: false, code: "RELAY_NOT_FOUND", message: NOT_FOUND });
  const timeoutMs = options.timeoutMs ?? 15_000;
  return new Promise((resolve) => {
    const child = spawn(relay.command, [...relay.args, "status", "--json"], { stdio: ["ignore", "pipe", "pipe"], env: options.env ?? process.env });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk) => (stdout += String(chunk)));
    child.stderr?.on("data", (chunk) => (stderr += String(chunk)));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve({ ok: false, code: "RELAY_STATUS_TIMEOUT", message: `fastclaw-relay status did not answer within ${timeoutMs} ms` });
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      resolve({ ok: false, code: "RELAY_NOT_RUNNABLE", message: `cannot run fastclaw-relay (${relay.source}): ${error.message}` });
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      try {
        const report = JSON.parse(stdout);
        if (report && typeof report === "object" && !Array.isArray(report)) {
          resolve({ ok: true, report, source: relay.source });
          return;
        }
      } catch {
        // fall through
      }
      const why = stderr.trim().split("\n").slice(-3).join(" ") || `exit ${code}`;
      resolve({ ok: false, code: "RELAY_STATUS_FAILED", message: `fastclaw-relay status --json failed: ${why}` });
    });
  });
}
