/** Deployment settings read from Convex environment variables (`npx convex env set NAME value`), defaulting to ./limits.ts. */
import * as L from "./limits.js";

/** The names an owner sets; docs/convex-api.md "Registration and quotas" documents each. */
export const ENV = {
  registrationKey: "FASTCLAW_REGISTRATION_KEY",
  openRegistration: "FASTCLAW_OPEN_REGISTRATION",
  deviceSendsPerMinute: "FASTCLAW_DEVICE_SENDS_PER_MINUTE",
  pairingCodesPerHour: "FASTCLAW_PAIRING_CODES_PER_HOUR",
  registrationsPerAddressPerHour: "FASTCLAW_REGISTRATIONS_PER_ADDRESS_PER_HOUR",
  registrationsPerHour: "FASTCLAW_REGISTRATIONS_PER_HOUR",
  maxRowsPerInstance: "FASTCLAW_MAX_ROWS_PER_INSTANCE",
  maxBytesPerInstance: "FASTCLAW_MAX_BYTES_PER_INSTANCE",
  maxFileBytesPerInstance: "FASTCLAW_MAX_FILE_BYTES_PER_INSTANCE",
} as const;

type EnvName = (typeof ENV)[keyof typeof ENV];

function read(name: EnvName): string | undefined {
  const value = process.env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

/** A positive integer setting; anything else keeps the default (and says so in the deployment's logs). */
function positiveInt(name: EnvName, fallback: number): number {
  const raw = read(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (Number.isSafeInteger(value) && value > 0) return value;
  console.warn(`${name}=${JSON.stringify(raw.slice(0, 40))} is not a positive integer; using the default ${fallback}`);
  return fallback;
}

function rate(name: EnvName, fallback: L.Rate): L.Rate {
  return { burst: positiveInt(name, fallback.burst), perMs: fallback.perMs };
}

/**
 * Who may register a new instance. `key`: only callers with the owner's key (a personal deployment).
 * `open`: anyone, rate limited (a deployment shared by many people); a caller with the key skips the limit.
 * `closed`: nobody, until the owner sets a key (or opts in to open registration); `reason` says what to set.
 */
export type RegistrationPolicy =
  | { kind: "key"; key: string }
  | { kind: "open"; key: string | undefined }
  | { kind: "closed"; reason: string };

export function registrationPolicy(): RegistrationPolicy {
  const raw = read(ENV.registrationKey);
  const keyProblem =
    raw === undefined
      ? `${ENV.registrationKey} is not set on this deployment`
      : raw.length < L.MIN_REGISTRATION_KEY_CHARS
        ? `${ENV.registrationKey} on this deployment is shorter than ${L.MIN_REGISTRATION_KEY_CHARS} characters`
        : raw.length > L.MAX_REGISTRATION_KEY_CHARS
          ? `${ENV.registrationKey} on this deployment is longer than ${L.MAX_REGISTRATION_KEY_CHARS} characters`
          : undefined;
  const key = keyProblem === undefined ? raw : undefined;
  if (/^(1|true|yes)$/i.test(read(ENV.openRegistration) ?? "")) return { kind: "open", key };
  if (key !== undefined) return { kind: "key", key };
  return {
    kind: "closed",
    reason: `registration of new relays is closed: ${keyProblem}. The deployment's owner sets one with \`npx convex env set ${ENV.registrationKey} <key>\` and gives it to \`fastclaw-relay pair\``,
  };
}

export const deviceSendRate = (): L.Rate => rate(ENV.deviceSendsPerMinute, L.DEVICE_SEND_RATE);
export const pairingCodeRate = (): L.Rate => rate(ENV.pairingCodesPerHour, L.PAIRING_CODE_RATE);
export const registrationRatePerAddress = (): L.Rate => rate(ENV.registrationsPerAddressPerHour, L.REGISTRATION_RATE_PER_ADDRESS);
export const registrationRateTotal = (): L.Rate => rate(ENV.registrationsPerHour, L.REGISTRATION_RATE_TOTAL);

export function storageQuota(): { rows: number; bytes: number } {
  return {
    rows: positiveInt(ENV.maxRowsPerInstance, L.MAX_ROWS_PER_INSTANCE),
    bytes: positiveInt(ENV.maxBytesPerInstance, L.MAX_BYTES_PER_INSTANCE),
  };
}

export const fileQuotaBytes = (): number => positiveInt(ENV.maxFileBytesPerInstance, L.MAX_FILE_BYTES_PER_INSTANCE);
