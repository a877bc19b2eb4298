/** Reads the parts of OpenClaw's own config the relay needs (gateway.mode/port/auth/remote), resolving `${ENV}` values. */
import path from "node:path";
import JSON5 from "json5";
import { openclawStateDir, type Env } from "../config/paths.js";
import { RelayError } from "../relay-error.js";

/**
 * Raised for any Gateway configuration the relay cannot use (its own or OpenClaw's); `key` names the
 * setting to fix. Starting again changes nothing, so `run` exits as for an unusable config (78).
 */
export class GatewayConfigError extends RelayError<"GATEWAY_CONFIG_UNUSABLE"> {
  override readonly name = "GatewayConfigError";
  readonly key: string;
  constructor(key: string, message: string) {
    super("GATEWAY_CONFIG_UNUSABLE", message);
    this.key = key;
  }
}

/** Reads a file as UTF-8, or undefined when it does not exist (other errors propagate). */
export type ReadTextFile = (file: string) => Promise<string | undefined>;

export interface OpenClawGatewaySection {
  configPath: string;
  /** `gateway.mode`: "local" (default) or "remote"; unchecked here. */
  mode: unknown;
  port: unknown;
  auth: { mode: unknown; token: unknown; password: unknown } | undefined;
  /** `gateway.remote`: where a remote-mode client connects and with what. */
  remote: { url: unknown; token: unknown; password: unknown; tlsFingerprint: unknown } | undefined;
  /** `secrets.defaults.env` and the names of `secrets.providers` with their sources. */
  secrets: { envDefault: string; providers: Record<string, string> };
}

/** `OPENCLAW_CONFIG_PATH`, else `<OpenClaw state dir>/openclaw.json` (`~/.openclaw/openclaw.json`). */
export function openclawConfigPath(env: Env): string {
  const explicit = env.OPENCLAW_CONFIG_PATH;
  return explicit && explicit.length > 0 ? path.resolve(explicit) : path.join(openclawStateDir(env), "openclaw.json");
}

const rec = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

/** Loads the config's gateway section; undefined when the file does not exist. */
export async function readOpenClawGatewaySection(env: Env, readText: ReadTextFile): Promise<OpenClawGatewaySection | undefined> {
  const configPath = openclawConfigPath(env);
  let text: string | undefined;
  try {
    text = await readText(configPath);
  } catch (err) {
    throw new GatewayConfigError("OPENCLAW_CONFIG_PATH", `cannot read OpenClaw config ${configPath}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON5.parse(text);
  } catch (err) {
    throw new GatewayConfigError(
      "OPENCLAW_CONFIG_PATH",
      `OpenClaw config ${configPath} is not valid JSON5 (${err instanceof Error ? err.message : String(err)}); ` +
        `fix it, or give the relay the Gateway URL and token directly (OPENCLAW_GATEWAY_URL, OPENCLAW_GATEWAY_TOKEN)`,
    );
  }
  const root = rec(parsed) ?? {};
  const gateway = rec(root.gateway) ?? {};
  const auth = rec(gateway.auth);
  const remote = rec(gateway.remote);
  const secrets = rec(root.secrets) ?? {};
  const providers: Record<string, string> = {};
  for (const [name, value] of Object.entries(rec(secrets.providers) ?? {})) {
    const source = rec(value)?.source;
    if (typeof source === "string") providers[name] = source;
  }
  const envDefault = rec(secrets.defaults)?.env;
  return {
    configPath,
    mode: gateway.mode,
    port: gateway.port,
    auth: auth ? { mode: auth.mode, token: auth.token, password: auth.password } : undefined,
    remote: remote ? { url: remote.url, token: remote.token, password: remote.password, tlsFingerprint: remote.tlsFingerprint } : undefined,
    secrets: { envDefault: typeof envDefault === "string" ? envDefault : "default", providers },
  };
}

const ENV_NAME = /^[A-Z][A-Z0-9_]{0,127}$/;

function envValue(env: Env, name: string, key: string, configPath: string): string {
  const value = env[name];
  if (value === undefined || value.length === 0) {
    throw new GatewayConfigError(
      key,
      `${key} in ${configPath} refers to the environment variable ${name}, which is not set for the relay; ` +
        `set ${name} in the relay's environment (the service unit's Environment), or give the relay the credential directly`,
    );
  }
  return value;
}

/**
 * Resolves a config value that may be a literal, a `${ENV}` / `$ENV` reference (also embedded
 * `${ENV}` in a longer string), or a SecretRef object. Only env-backed references can be
 * resolved here; any other kind is an error that names the key, never a guess.
 */
export function resolveSecretInput(value: unknown, key: string, env: Env, section: OpenClawGatewaySection): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") {
    const bare = /^\$([A-Z][A-Z0-9_]{0,127})$/.exec(value);
    if (bare) return envValue(env, bare[1]!, key, section.configPath);
    return value.replace(/\$\{([^}]*)\}/g, (_match, name: string) => {
      if (!ENV_NAME.test(name)) {
        throw new GatewayConfigError(key, `${key} in ${section.configPath} has an invalid environment reference \${${name}}`);
      }
      return envValue(env, name, key, section.configPath);
    });
  }
  if (typeof value === "number") return String(value);
  const ref = rec(value);
  if (ref && typeof ref.source === "string") {
    const provider = typeof ref.provider === "string" ? ref.provider : section.secrets.envDefault;
    const providerSource = section.secrets.providers[provider];
    const isBuiltInEnv =
      ref.source === "env" && (providerSource === "env" || (providerSource === undefined && provider === section.secrets.envDefault));
    if (isBuiltInEnv && typeof ref.id === "string" && ENV_NAME.test(ref.id)) {
      return envValue(env, ref.id, key, section.configPath);
    }
    throw new GatewayConfigError(
      key,
      `${key} in ${section.configPath} is a SecretRef (source "${ref.source}", provider "${provider}") that the relay cannot resolve ` +
        `(it reads only environment references). Give the relay the credential directly: set OPENCLAW_GATEWAY_TOKEN / ` +
        `OPENCLAW_GATEWAY_PASSWORD in its environment, or the gateway token/password in its own config`,
    );
  }
  throw new GatewayConfigError(key, `${key} in ${section.configPath} has an unsupported value (expected a string or a SecretRef object)`);
}
