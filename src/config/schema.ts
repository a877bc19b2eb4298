/** The shape of config.json: TypeScript types and the JSON schema both the reader and `conf` check. */
import { isRecord } from "../json-values.js";

/** The highest `relay.maxConcurrentSessions` the config accepts. */
export const MAX_CONCURRENT_SESSIONS_SETTING = 1000;

export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface GatewaySettings {
  url?: string;
  token?: string;
  password?: string;
  /** SHA-256 of the Gateway's TLS certificate (pins a wss:// gateway.url). */
  tlsFingerprint?: string;
}

export interface RelaySettings {
  maxMessageAgeMs?: number;
  streamWritesPerSecond?: number;
  backfillPerSession?: number;
  /** Sessions with an app message being delivered or its agent run going on, at once (default 4). */
  maxConcurrentSessions?: number;
  /** Let the app run and enable/disable cron jobs: asks the Gateway for operator.admin (default false). */
  cronControl?: boolean;
  /** How often agent identities, health, skills and cron jobs are re-read besides the Gateway's change events (default 60 s). */
  agentStateRefreshMs?: number;
  /** Days a stored attachment is kept before Convex deletes its file (default 30; 1–365; the message stays). */
  fileRetentionDays?: number;
  logLevel?: LogLevel;
}

export interface FastclawConfig {
  convexUrl?: string;
  instanceId?: string;
  instanceSecret?: string;
  /** The end-to-end content key (docs/convex-api.md "End-to-end encryption"): never sent to Convex. */
  contentKey?: string;
  instanceName?: string;
  /** The Convex deployment's FASTCLAW_REGISTRATION_KEY, kept for registering again (e.g. after a reset). */
  registrationKey?: string;
  gateway?: GatewaySettings;
  relay?: RelaySettings;
}

/** The subset of JSON Schema used here; `validate.ts` implements exactly these keywords. */
export interface JsonSchema {
  type?: "object" | "string" | "integer" | "number" | "boolean";
  description?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: false;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  enum?: readonly string[];
}

/** Keys whose values are credentials: never printed, never logged, never shown in an error. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(["instanceSecret", "contentKey", "registrationKey", "gateway.token", "gateway.password"]);

/** The values a config holds under SECRET_KEYS: the one list of what in it is a credential. */
export function secretValues(config: object): string[] {
  const values: string[] = [];
  for (const key of SECRET_KEYS) {
    let value: unknown = config;
    for (const part of key.split(".")) value = isRecord(value) ? value[part] : undefined;
    if (typeof value === "string" && value.length > 0) values.push(value);
  }
  return values;
}

// Credentials are base64url, 43..128 chars (docs/convex-api.md); URLs are checked for scheme only
// because `new URL` in the validator does the rest.
export const CONFIG_PROPERTIES: Record<keyof FastclawConfig, JsonSchema> = {
  convexUrl: {
    type: "string",
    description: "Convex deployment URL (https://…, or http:// for a local server)",
    pattern: "^https?://\\S+$",
    maxLength: 2048,
  },
  instanceId: { type: "string", description: "Public id of this relay's instance in Convex", minLength: 1, maxLength: 256 },
  instanceSecret: {
    type: "string",
    description: "This relay's credential towards Convex (base64url, 43..128 chars)",
    pattern: "^[A-Za-z0-9_-]{43,128}$",
  },
  contentKey: {
    type: "string",
    description: "End-to-end encryption key of this relay's conversations (32 bytes base64url); devices get it when paired",
    pattern: "^[A-Za-z0-9_-]{43}$",
  },
  instanceName: { type: "string", description: "Name shown in the app", minLength: 1, maxLength: 200 },
  registrationKey: {
    type: "string",
    description: "The Convex deployment's registration key (FASTCLAW_REGISTRATION_KEY), needed to register a new relay",
    minLength: 1,
    maxLength: 256,
  },
  gateway: {
    type: "object",
    additionalProperties: false,
    properties: {
      url: { type: "string", description: "Gateway WebSocket URL", pattern: "^wss?://\\S+$", maxLength: 2048 },
      token: { type: "string", minLength: 1, maxLength: 4096 },
      password: { type: "string", minLength: 1, maxLength: 4096 },
      tlsFingerprint: {
        type: "string",
        description: "SHA-256 of the Gateway's TLS certificate (64 hex digits, colons allowed)",
        pattern: "^(sha256:)?([0-9A-Fa-f]{64}|([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2})$",
      },
    },
  },
  relay: {
    type: "object",
    additionalProperties: false,
    properties: {
      maxMessageAgeMs: { type: "integer", minimum: 1000, maximum: 7 * 24 * 3600 * 1000 },
      streamWritesPerSecond: { type: "number", minimum: 0.1, maximum: 50 },
      backfillPerSession: { type: "integer", minimum: 0, maximum: 10000 },
      maxConcurrentSessions: { type: "integer", minimum: 1, maximum: MAX_CONCURRENT_SESSIONS_SETTING },
      cronControl: { type: "boolean", description: "Let the app run and enable/disable cron jobs (asks the Gateway for operator.admin)" },
      agentStateRefreshMs: { type: "integer", minimum: 1000, maximum: 3600 * 1000 },
      fileRetentionDays: { type: "integer", minimum: 1, maximum: 365, description: "Days Convex keeps an attachment's file (default 30)" },
      logLevel: { type: "string", enum: LOG_LEVELS },
    },
  },
};

export const CONFIG_SCHEMA: JsonSchema = {
  type: "object",
  additionalProperties: false,
  properties: CONFIG_PROPERTIES,
};
