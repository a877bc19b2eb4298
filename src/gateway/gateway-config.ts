/** Where the Gateway is and how to log in: explicit settings, then env, then OpenClaw's config, then defaults. */
import { readFile } from "node:fs/promises";
import type { Env } from "../config/paths.js";
import {
  GatewayConfigError,
  readOpenClawGatewaySection,
  resolveSecretInput,
  type OpenClawGatewaySection,
  type ReadTextFile,
} from "./openclaw-config.js";

export { GatewayConfigError, openclawConfigPath } from "./openclaw-config.js";

export const DEFAULT_GATEWAY_URL = "ws://127.0.0.1:18789";

/** What the relay's own configuration (or a command-line flag) says; highest precedence. */
export interface ExplicitGatewaySettings {
  url?: string;
  token?: string;
  password?: string;
}

export interface GatewayAuth {
  token?: string;
  password?: string;
}

export interface ResolvedGatewayConfig {
  url: string;
  /** Where the URL came from, for logs and `status` (never the secret itself). */
  urlSource: string;
  auth: GatewayAuth;
  /** Where the credentials came from, or "none". */
  authSource: string;
}

export interface ResolveGatewayConfigOptions {
  explicit?: ExplicitGatewaySettings;
  env: Env;
  /** Injected so tests need no real files; default reads from disk, ENOENT → undefined. */
  readText?: ReadTextFile;
}

export const readTextIfExists: ReadTextFile = async (file) => {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    if (err && typeof err === "object" && (err as { code?: unknown }).code === "ENOENT") return undefined;
    throw err;
  }
};

const nonEmpty = (value: string | undefined): value is string => typeof value === "string" && value.length > 0;

/** A ws:// or wss:// URL, or an error naming where the bad value came from. */
export function validateGatewayUrl(raw: string, key: string): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new GatewayConfigError(key, `${key} is not a valid URL: "${raw}" (expected e.g. ${DEFAULT_GATEWAY_URL})`);
  }
  if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") {
    throw new GatewayConfigError(key, `${key} must be a ws:// or wss:// URL, got "${parsed.protocol}//…" (expected e.g. ${DEFAULT_GATEWAY_URL})`);
  }
  return raw;
}

function parsePort(raw: unknown, key: string): number {
  const text = typeof raw === "number" ? String(raw) : typeof raw === "string" ? raw.trim() : "";
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new GatewayConfigError(key, `${key} must be a port number between 1 and 65535, got ${JSON.stringify(raw)}`);
  }
  return port;
}

function authFromSection(section: OpenClawGatewaySection, env: Env): { auth: GatewayAuth; source: string } | undefined {
  const auth = section.auth;
  if (!auth) return undefined;
  const where = section.configPath;
  const mode = auth.mode;
  if (mode !== undefined && mode !== "token" && mode !== "password" && mode !== "none" && mode !== "trusted-proxy") {
    throw new GatewayConfigError("gateway.auth.mode", `gateway.auth.mode in ${where} is ${JSON.stringify(mode)}; expected token, password, none or trusted-proxy`);
  }
  if (mode === "none") return { auth: {}, source: `${where} (gateway.auth.mode none)` };
  // Resolve only the field the mode selects, so an unused unresolvable reference doesn't block startup.
  if (mode === "token") {
    const token = resolveSecretInput(auth.token, "gateway.auth.token", env, section);
    if (!nonEmpty(token)) {
      throw new GatewayConfigError(
        "gateway.auth.token",
        `gateway.auth.mode is "token" in ${where} but gateway.auth.token is not set there (the Gateway may take it from its own ` +
          `environment or --token flag, which the relay cannot see); set OPENCLAW_GATEWAY_TOKEN for the relay`,
      );
    }
    return { auth: { token }, source: `${where} (gateway.auth.token)` };
  }
  if (mode === "password" || mode === "trusted-proxy") {
    const password = resolveSecretInput(auth.password, "gateway.auth.password", env, section);
    if (!nonEmpty(password)) {
      throw new GatewayConfigError(
        "gateway.auth.password",
        `gateway.auth.mode is "${mode}" in ${where} but gateway.auth.password is not set there; set OPENCLAW_GATEWAY_PASSWORD for the relay`,
      );
    }
    return { auth: { password }, source: `${where} (gateway.auth.password)` };
  }
  const token = resolveSecretInput(auth.token, "gateway.auth.token", env, section);
  if (nonEmpty(token)) return { auth: { token }, source: `${where} (gateway.auth.token)` };
  const password = resolveSecretInput(auth.password, "gateway.auth.password", env, section);
  if (nonEmpty(password)) return { auth: { password }, source: `${where} (gateway.auth.password)` };
  return undefined;
}

/**
 * URL: explicit url → OPENCLAW_GATEWAY_URL → OPENCLAW_GATEWAY_PORT → gateway.port → 18789.
 * Credentials: explicit token/password → OPENCLAW_GATEWAY_TOKEN/PASSWORD → gateway.auth.* → none.
 * The first source that has any credential supplies all of them (no mixing across sources).
 * OpenClaw's config is read only when an earlier source left something open.
 */
export async function resolveGatewayConfig(options: ResolveGatewayConfigOptions): Promise<ResolvedGatewayConfig> {
  const { env } = options;
  const explicit = options.explicit ?? {};
  const readText = options.readText ?? readTextIfExists;

  let url: string | undefined;
  let urlSource = "";
  if (nonEmpty(explicit.url)) {
    url = validateGatewayUrl(explicit.url, "gateway.url");
    urlSource = "relay configuration (gateway.url)";
  } else if (nonEmpty(env.OPENCLAW_GATEWAY_URL)) {
    url = validateGatewayUrl(env.OPENCLAW_GATEWAY_URL, "OPENCLAW_GATEWAY_URL");
    urlSource = "OPENCLAW_GATEWAY_URL";
  } else if (nonEmpty(env.OPENCLAW_GATEWAY_PORT)) {
    url = `ws://127.0.0.1:${parsePort(env.OPENCLAW_GATEWAY_PORT, "OPENCLAW_GATEWAY_PORT")}`;
    urlSource = "OPENCLAW_GATEWAY_PORT";
  }

  let auth: GatewayAuth | undefined;
  let authSource = "none";
  if (nonEmpty(explicit.token) || nonEmpty(explicit.password)) {
    auth = { ...(nonEmpty(explicit.token) ? { token: explicit.token } : {}), ...(nonEmpty(explicit.password) ? { password: explicit.password } : {}) };
    authSource = "relay configuration";
  } else if (nonEmpty(env.OPENCLAW_GATEWAY_TOKEN) || nonEmpty(env.OPENCLAW_GATEWAY_PASSWORD)) {
    auth = {
      ...(nonEmpty(env.OPENCLAW_GATEWAY_TOKEN) ? { token: env.OPENCLAW_GATEWAY_TOKEN } : {}),
      ...(nonEmpty(env.OPENCLAW_GATEWAY_PASSWORD) ? { password: env.OPENCLAW_GATEWAY_PASSWORD } : {}),
    };
    authSource = nonEmpty(env.OPENCLAW_GATEWAY_TOKEN) ? "OPENCLAW_GATEWAY_TOKEN" : "OPENCLAW_GATEWAY_PASSWORD";
  }

  if (url === undefined || auth === undefined) {
    const section = await readOpenClawGatewaySection(env, readText);
    if (section && url === undefined && section.port !== undefined && section.port !== null) {
      const rawPort = typeof section.port === "string" ? resolveSecretInput(section.port, "gateway.port", env, section) : section.port;
      url = `ws://127.0.0.1:${parsePort(rawPort, "gateway.port")}`;
      urlSource = `${section.configPath} (gateway.port)`;
    }
    if (section && auth === undefined) {
      const fromSection = authFromSection(section, env);
      if (fromSection) {
        auth = fromSection.auth;
        authSource = fromSection.source;
      }
    }
  }

  return {
    url: url ?? DEFAULT_GATEWAY_URL,
    urlSource: url === undefined ? "default" : urlSource,
    auth: auth ?? {},
    authSource,
  };
}
