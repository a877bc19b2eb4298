/** Writes config.json through `conf`: atomic rename, dir 0700, file 0600, and never over a file it cannot read. */
import Conf, { type Schema } from "conf";
import { chmod, mkdir, stat } from "node:fs/promises";
import path from "node:path";
import { statePaths, type Env } from "./paths.js";
import { CONFIG_PROPERTIES, CONFIG_SCHEMA, type FastclawConfig } from "./schema.js";
import { validateAgainst } from "./validate.js";
import { readConfigFile } from "./load.js";
import { backupConfigFile } from "./backup.js";

export interface SaveOptions {
  /** Copy the current file aside first (when there is one). */
  backup?: boolean;
  now?: number;
}

export interface SaveResult {
  file: string;
  backupFile?: string;
}

async function ensurePrivateDir(dir: string): Promise<void> {
  const existing = await stat(dir).catch(() => undefined);
  if (existing) return; // A dir we did not create (FASTCLAW_STATE_DIR=…) keeps the mode its owner gave it.
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700); // mkdir's mode passes through the umask
}

function openStore(file: string): Conf<FastclawConfig> {
  return new Conf<FastclawConfig>({
    cwd: path.dirname(file),
    configName: path.basename(file, ".json"),
    fileExtension: "json",
    projectName: "fastclaw-relay",
    // conf would otherwise empty a file it cannot parse; ours are reported, never cleared.
    clearInvalidConfig: false,
    configFileMode: 0o600,
    watch: false,
    accessPropertiesByDotNotation: false,
    // The same schema the reader checks; conf's ajv re-checks every write.
    schema: CONFIG_PROPERTIES as unknown as Schema<FastclawConfig>,
    serialize: (value) => `${JSON.stringify(value, null, 2)}\n`,
  });
}

/** Replaces config.json with `next`. Throws ConfigError (file untouched) when the current file is unusable. */
export async function saveConfig(env: Env, next: FastclawConfig, options: SaveOptions = {}): Promise<SaveResult> {
  const file = statePaths(env).configFile;
  const issue = validateAgainst(next, CONFIG_SCHEMA)[0];
  if (issue) throw new Error(`refusing to write ${file}: \`${issue.key}\` ${issue.problem}`);
  await ensurePrivateDir(path.dirname(file));
  // Reading first is what keeps a corrupt file from being replaced: it throws a ConfigError naming it.
  const current = await readConfigFile(file);
  const result: SaveResult = { file };
  if (current.exists && options.backup) result.backupFile = await backupConfigFile(file, options.now);
  const store = openStore(file);
  store.store = next;
  await chmod(file, 0o600);
  return result;
}

/** Reads, changes and writes config.json in one step. */
export async function updateConfig(
  env: Env,
  change: (current: FastclawConfig) => FastclawConfig,
  options: SaveOptions = {},
): Promise<SaveResult & { config: FastclawConfig }> {
  const { data } = await readConfigFile(statePaths(env).configFile);
  const config = change(structuredClone(data));
  return { ...(await saveConfig(env, config, options)), config };
}
