/** Where the Gateway is and how to log in: local/remote mode, credential precedence with the source of each, URL-override safety. */
import { readFile } from "node:fs/promises";
import type { Env } from "../config/paths.js";
import {
  GatewayConfigError,
  readOpenClawGatewaySection,
  resolveSecretInput,
  type OpenClawGatewaySection,
  type ReadTextFile,
} from "./openclaw-config.js";
import { checkGatewayTransport, normalizeFingerprint } from "./gateway-transport.js";

export { GatewayConfigError, openclawConfigPath } from "./openclaw-config.js";

export const DEFAULT_GATEWAY_URL = "ws://127.0.0.1:18789";

/** What the relay's own configuration (or a command-line flag) says; highest precedence. */
export interface ExplicitGatewaySettings {
  url?: string;
  token?: string;
  password?: string;
  /** SHA-256 of the Gateway's TLS certificate, for a wss:// URL given to the relay directly. */
  tlsFingerprint?: string;
}

export interface GatewayAuth {
  token?: string;
  password?: string;
}

/** "override": the URL was given to the relay directly (its config, a flag, OPENCLAW_GATEWAY_URL); gateway.mode was not consulted. */
export type GatewayMode = "local" | "remote" | "override";

export interface ResolvedGatewayConfig {
  mode: GatewayMode;
  url: string;
  /** Where the URL came from, for logs and `status` (never the secret itself). */
  urlSource: string;
  auth: GatewayAuth;
  /** Where the credentials came from, or "none" (a summary of tokenSource/passwordSource). */
  authSource: string;
  tokenSource?: string;
  passwordSource?: string;
  /** The certificate pin (64 lower-case hex chars) and where it came from. */
  tlsFingerprint?: string;
  tlsFingerprintSource?: string;
  /** ws:// to a non-loopback host, allowed by OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1: warn at start. */
  insecurePrivateWs: boolean;
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

/** One place a credential may come from; `read` throws (fail closed) when it is configured but unresolvable. */
interface CredentialSource {
  source: string;
  read: () => string | undefined;
}

interface Found {
  value: string;
  source: string;
}

function firstFound(chain: CredentialSource[]): Found | undefined {
  for (const candidate of chain) {
    const value = candidate.read();
    if (nonEmpty(value)) return { value, source: candidate.source };
  }
  return undefined;
}

function fromEnv(env: Env, name: "OPENCLAW_GATEWAY_TOKEN" | "OPENCLAW_GATEWAY_PASSWORD"): CredentialSource {
  return { source: name, read: () => env[name] };
}

function fromFile(section: OpenClawGatewaySection, env: Env, key: string, value: unknown): CredentialSource {
  return { source: `${section.configPath} (${key})`, read: () => resolveSecretInput(value, key, env, section) };
}

function readMode(section: OpenClawGatewaySection | undefined): "local" | "remote" {
  const mode = section?.mode;
  if (mode === undefined || mode === null || mode === "local") return "local";
  if (mode === "remote") return "remote";
  throw new GatewayConfigError("gateway.mode", `gateway.mode in ${section?.configPath} is ${JSON.stringify(mode)}; expected "local" or "remote"`);
}

/** Local mode: the env overrides the file; gateway.auth.mode picks which kind the local Gateway checks. */
function localCredentials(section: OpenClawGatewaySection, env: Env): { token?: Found; password?: Found; none?: string } {
  const auth = section.auth;
  const remote = section.remote;
  const mode = auth?.mode;
  if (mode !== undefined && mode !== "token" && mode !== "password" && mode !== "none" && mode !== "trusted-proxy") {
    throw new GatewayConfigError("gateway.auth.mode", `gateway.auth.mode in ${section.configPath} is ${JSON.stringify(mode)}; expected token, password, none or trusted-proxy`);
  }
  if (mode === "none") return { none: `${section.configPath} (gateway.auth.mode none)` };
  const fileToken = [fromFile(section, env, "gateway.auth.token", auth?.token)];
  // The remote token is a fallback only when no local token is configured at all.
  if (auth?.token === undefined || auth.token === null) fileToken.push(fromFile(section, env, "gateway.remote.token", remote?.token));
  const filePassword = [fromFile(section, env, "gateway.auth.password", auth?.password)];
  if (auth?.password === undefined || auth.password === null) filePassword.push(fromFile(section, env, "gateway.remote.password", remote?.password));
  const wantToken = mode !== "password" && mode !== "trusted-proxy";
  const wantPassword = mode !== "token";
  const token = wantToken ? firstFound([fromEnv(env, "OPENCLAW_GATEWAY_TOKEN"), ...fileToken]) : undefined;
  const password = wantPassword ? firstFound([fromEnv(env, "OPENCLAW_GATEWAY_PASSWORD"), ...filePassword]) : undefined;
  if (mode === "token" && !token) {
    throw new GatewayConfigError(
      "gateway.auth.token",
      `gateway.auth.mode is "token" in ${section.configPath} but gateway.auth.token is not set there (the Gateway may take it from its own ` +
        `environment or --token flag, which the relay cannot see); set OPENCLAW_GATEWAY_TOKEN for the relay`,
    );
  }
  if ((mode === "password" || mode === "trusted-proxy") && !password) {
    throw new GatewayConfigError(
      "gateway.auth.password",
      `gateway.auth.mode is "${mode}" in ${section.configPath} but gateway.auth.password is not set there; set OPENCLAW_GATEWAY_PASSWORD for the relay`,
    );
  }
  return { ...(token ? { token } : {}), ...(password ? { password } : {}) };
}

/** Remote mode: gateway.remote.token first (it is meant for exactly this target), the env first for the password. */
function remoteCredentials(section: OpenClawGatewaySection, env: Env): { token?: Found; password?: Found } {
  const token = firstFound([
    fromFile(section, env, "gateway.remote.token", section.remote?.token),
    fromEnv(env, "OPENCLAW_GATEWAY_TOKEN"),
    fromFile(section, env, "gateway.auth.token", section.auth?.token),
  ]);
  const password = firstFound([
    fromEnv(env, "OPENCLAW_GATEWAY_PASSWORD"),
    fromFile(section, env, "gateway.remote.password", section.remote?.password),
    fromFile(section, env, "gateway.auth.password", section.auth?.password),
  ]);
  return { ...(token ? { token } : {}), ...(password ? { password } : {}) };
}

function pin(raw: unknown, key: string): string {
  const hex = typeof raw === "string" ? normalizeFingerprint(raw) : undefined;
  if (!hex) throw new GatewayConfigError(key, `${key} must be a SHA-256 certificate fingerprint (64 hex digits, colons allowed), got ${JSON.stringify(raw)}`);
  return hex;
}

function summary(token: Found | undefined, password: Found | undefined): string {
  if (token && password) return token.source === password.source ? token.source : `${token.source} and ${password.source}`;
  return token?.source ?? password?.source ?? "none";
}

/**
 * Target: explicit url → OPENCLAW_GATEWAY_URL → (remote mode) gateway.remote.url, or (local mode)
 * OPENCLAW_GATEWAY_PORT → gateway.port → 18789 on loopback.
 * Credentials: explicit token/password always win, alone. An explicit URL never reuses implicit
 * credentials; OPENCLAW_GATEWAY_URL only OPENCLAW_GATEWAY_TOKEN/PASSWORD. Otherwise the per-mode
 * orders in localCredentials/remoteCredentials (README "Which Gateway, with which credentials").
 * OpenClaw's config is read only when an override left something open.
 */
export async function resolveGatewayConfig(options: ResolveGatewayConfigOptions): Promise<ResolvedGatewayConfig> {
  const { env } = options;
  const explicit = options.explicit ?? {};
  const readText = options.readText ?? readTextIfExists;

  let mode: GatewayMode = "override";
  let url: string | undefined;
  let urlSource = "";
  let urlKey = "";
  if (nonEmpty(explicit.url)) {
    url = validateGatewayUrl(explicit.url, "gateway.url");
    urlSource = "relay configuration (gateway.url)";
    urlKey = "gateway.url";
  } else if (nonEmpty(env.OPENCLAW_GATEWAY_URL)) {
    url = validateGatewayUrl(env.OPENCLAW_GATEWAY_URL, "OPENCLAW_GATEWAY_URL");
    urlSource = urlKey = "OPENCLAW_GATEWAY_URL";
  }

  const explicitAuth = nonEmpty(explicit.token) || nonEmpty(explicit.password);
  let token: Found | undefined;
  let password: Found | undefined;
  let noneSource: string | undefined;
  let tlsFingerprint: string | undefined;
  let tlsFingerprintSource: string | undefined;
  if (nonEmpty(explicit.token)) token = { value: explicit.token, source: "relay configuration (gateway.token)" };
  if (nonEmpty(explicit.password)) password = { value: explicit.password, source: "relay configuration (gateway.password)" };
  if (nonEmpty(explicit.tlsFingerprint)) {
    tlsFingerprint = pin(explicit.tlsFingerprint, "gateway.tlsFingerprint");
    tlsFingerprintSource = "relay configuration (gateway.tlsFingerprint)";
  }

  if (url !== undefined) {
    // URL override safety: credentials meant for another Gateway must not travel to this one.
    if (!explicitAuth && urlKey === "OPENCLAW_GATEWAY_URL") {
      token = firstFound([fromEnv(env, "OPENCLAW_GATEWAY_TOKEN")]);
      password = firstFound([fromEnv(env, "OPENCLAW_GATEWAY_PASSWORD")]);
    }
  } else {
    const section = await readOpenClawGatewaySection(env, readText);
    mode = readMode(section);
    if (mode === "remote" && section) {
      const raw = section.remote?.url;
      if (!nonEmpty(typeof raw === "string" ? raw : undefined)) {
        throw new GatewayConfigError("gateway.remote.url", `gateway.mode is "remote" in ${section.configPath} but gateway.remote.url is not set there`);
      }
      url = validateGatewayUrl(raw as string, "gateway.remote.url");
      urlSource = urlKey = `${section.configPath} (gateway.remote.url)`;
      if (!tlsFingerprint && section.remote?.tlsFingerprint !== undefined && section.remote.tlsFingerprint !== null) {
        tlsFingerprint = pin(section.remote.tlsFingerprint, "gateway.remote.tlsFingerprint");
        tlsFingerprintSource = `${section.configPath} (gateway.remote.tlsFingerprint)`;
      }
      if (!explicitAuth) ({ token, password } = remoteCredentials(section, env));
    } else {
      if (nonEmpty(env.OPENCLAW_GATEWAY_PORT)) {
        url = `ws://127.0.0.1:${parsePort(env.OPENCLAW_GATEWAY_PORT, "OPENCLAW_GATEWAY_PORT")}`;
        urlSource = urlKey = "OPENCLAW_GATEWAY_PORT";
      } else if (section && section.port !== undefined && section.port !== null) {
        const rawPort = typeof section.port === "string" ? resolveSecretInput(section.port, "gateway.port", env, section) : section.port;
        url = `ws://127.0.0.1:${parsePort(rawPort, "gateway.port")}`;
        urlSource = urlKey = `${section.configPath} (gateway.port)`;
      } else {
        url = DEFAULT_GATEWAY_URL;
        urlSource = urlKey = "default";
      }
      if (!explicitAuth && section) {
        const local = localCredentials(section, env);
        ({ token, password } = local);
        noneSource = local.none;
      } else if (!explicitAuth) {
        token = firstFound([fromEnv(env, "OPENCLAW_GATEWAY_TOKEN")]);
        password = firstFound([fromEnv(env, "OPENCLAW_GATEWAY_PASSWORD")]);
      }
    }
  }

  const { insecurePrivateWs } = checkGatewayTransport(url, urlKey, env, tlsFingerprint ? tlsFingerprintSource : undefined);
  return {
    mode,
    url,
    urlSource,
    auth: { ...(token ? { token: token.value } : {}), ...(password ? { password: password.value } : {}) },
    authSource: token || password ? summary(token, password) : (noneSource ?? "none"),
    ...(token ? { tokenSource: token.source } : {}),
    ...(password ? { passwordSource: password.source } : {}),
    ...(tlsFingerprint ? { tlsFingerprint, tlsFingerprintSource: tlsFingerprintSource ?? "" } : {}),
    insecurePrivateWs,
  };
}
