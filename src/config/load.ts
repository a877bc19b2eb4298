/** Reads config.json (never modifying it), checks it, and applies the FASTCLAW_* environment overrides. */
import { readFile } from "node:fs/promises";
import { statePaths, type Env } from "./paths.js";
import { CONFIG_PROPERTIES, CONFIG_SCHEMA, type FastclawConfig, type RelaySettings } from "./schema.js";
import { validateAgainst } from "./validate.js";
import { ConfigError, PAIR_FIRST_HINT } from "./errors.js";

export interface LoadedConfig {
  file: string;
  /** False when there is no config file yet (a fresh install): `data` is then `{}`. */
  exists: boolean;
  /** Exactly what the file holds. */
  data: FastclawConfig;
  /** `data` with the environment overrides applied: what the relay uses. */
  effective: FastclawConfig;
  /** Keys taken from the environment instead of the file, e.g. `{convexUrl: "FASTCLAW_CONVEX_URL"}`. */
  overrides: Partial<Record<"convexUrl" | "instanceId", string>>;
}

const ENV_OVERRIDES = [
  ["convexUrl", "FASTCLAW_CONVEX_URL"],
  ["instanceId", "FASTCLAW_INSTANCE_ID"],
] as const;

const FIX_HINT = "Fix the file by hand (it has been left untouched), or move it aside and run `fastclaw-relay pair` again.";

/** Where in the text a JSON.parse error points, without quoting the text (it may hold secrets). */
function jsonErrorWhere(text: string, error: unknown): string {
  if (text.trim().length === 0) return "the file is empty";
  const match = /position (\d+)/.exec(error instanceof Error ? error.message : "");
  if (!match) return "it ends too early";
  const position = Number(match[1]);
  const before = text.slice(0, position).split("\n");
  return `at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

/** Parses and checks config text; throws ConfigError naming `file` and the bad key. */
export function parseConfig(text: string, file: string): FastclawConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError("CONFIG_NOT_JSON", file, `is not valid JSON (${jsonErrorWhere(text, error)})`, { hint: FIX_HINT });
  }
  const issues = validateAgainst(parsed, CONFIG_SCHEMA);
  const first = issues[0];
  if (first) {
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
    const detail = first.key === "" ? "must hold a JSON object" : `\`${first.key}\` ${first.problem}${more}`;
    throw new ConfigError("CONFIG_INVALID", file, detail, { key: first.key || undefined, hint: FIX_HINT });
  }
  return parsed as FastclawConfig;
}

/** Reads the config file; a missing file is an empty config, anything unreadable is a ConfigError. */
export async function readConfigFile(file: string): Promise<{ exists: boolean; data: FastclawConfig; text?: string }> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { exists: false, data: {} };
    throw new ConfigError("CONFIG_UNREADABLE", file, `cannot be read (${code ?? String(error)})`, {
      hint: "Check the file's owner and permissions (it should be 0600 and yours).",
    });
  }
  return { exists: true, data: parseConfig(text, file), text };
}

/** Applies FASTCLAW_CONVEX_URL / FASTCLAW_INSTANCE_ID (each checked like the key it replaces). */
export function applyEnvOverrides(data: FastclawConfig, env: Env): Pick<LoadedConfig, "effective" | "overrides"> {
  const effective: FastclawConfig = { ...data };
  const overrides: LoadedConfig["overrides"] = {};
  for (const [key, variable] of ENV_OVERRIDES) {
    const value = env[variable];
    if (value === undefined || value === "") continue;
    const issue = validateAgainst(value, CONFIG_PROPERTIES[key], key)[0];
    if (issue)
      throw new ConfigError("CONFIG_INVALID", `environment variable ${variable}`, `${issue.problem} (it overrides \`${key}\`)`, { key });
    effective[key] = value;
    overrides[key] = variable;
  }
  return { effective, overrides };
}

/** Loads the relay's configuration as `env` places it. */
export async function loadConfig(env: Env): Promise<LoadedConfig> {
  const file = statePaths(env).configFile;
  const { exists, data } = await readConfigFile(file);
  return { file, exists, data, ...applyEnvOverrides(data, env) };
}

/** What `run` needs from the configuration, checked: the relay is built from this and nothing else of the file. */
export interface RelayRunConfig {
  convexUrl: string;
  instanceSecret: string;
  /** The end-to-end content key everything written to Convex is sealed with. */
  contentKey: string;
  instanceId?: string;
  gateway?: { url?: string; token?: string; password?: string };
  /** The relay's settings but its log level, which the logger took before the relay was built. */
  relay?: Omit<RelaySettings, "logLevel">;
}

/** What `run` needs: a Convex URL and the instance secret; otherwise a ConfigError saying how to get them. */
export function requireRunnable(loaded: LoadedConfig): RelayRunConfig {
  const { effective, file } = loaded;
  if (!loaded.exists && !effective.convexUrl) {
    throw new ConfigError("CONFIG_MISSING", file, "does not exist", { hint: PAIR_FIRST_HINT });
  }
  if (!effective.instanceSecret) {
    throw new ConfigError("CONFIG_INCOMPLETE", file, "`instanceSecret` is missing", { key: "instanceSecret", hint: PAIR_FIRST_HINT });
  }
  if (!effective.convexUrl) {
    throw new ConfigError("CONFIG_INCOMPLETE", file, "`convexUrl` is missing", {
      key: "convexUrl",
      hint: "Set it with `fastclaw-relay pair --convex-url URL` (or the FASTCLAW_CONVEX_URL environment variable).",
    });
  }
  if (!effective.contentKey) {
    throw new ConfigError("CONFIG_INCOMPLETE", file, "`contentKey` is missing: this relay was paired before end-to-end encryption", {
      key: "contentKey",
      hint: "Run `fastclaw-relay pair` once: it makes the key; then pair your devices again (they get it from the QR code).",
    });
  }
  const run: RelayRunConfig = { convexUrl: effective.convexUrl, instanceSecret: effective.instanceSecret, contentKey: effective.contentKey };
  if (effective.instanceId) run.instanceId = effective.instanceId;
  if (effective.gateway) run.gateway = { ...effective.gateway };
  if (effective.relay) {
    const { logLevel: _logLevel, ...relay } = effective.relay;
    run.relay = relay;
  }
  return run;
}
