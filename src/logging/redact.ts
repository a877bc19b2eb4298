/** A winston format that keeps credentials and chat text out of every log line. */
import winston from "winston";

export const REDACTED = "[redacted]";

/** Keys whose values are credentials whatever they hold. */
const SECRET_KEY = /secret|token|password|passwd|authorization|cookie|api[-_]?key|credential|signature|private[-_]?key/i;
/** Keys that hold chat content: only shown at debug level, otherwise replaced by their length. */
const TEXT_KEY = /^(text|content|body|preview|lastMessagePreview|prompt|reply|delta)$/;

/** Shortest run of hex digits taken for a credential: 128 bits (OpenClaw's own tokens are 48 hex). */
export const MIN_HEX_CREDENTIAL = 32;
/** Shortest run of base64url taken for a credential: 30 random bytes (every credential here is 32, 43 chars). */
export const MIN_BASE64URL_CREDENTIAL = 40;

const SECRET_PATTERNS: RegExp[] = [
  // Authorization headers and bearer tokens in free text.
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  // key=value / key: value pairs in URLs, queries and messages.
  /\b((?:[A-Za-z]*_)?(?:secret|token|password|relaySecret|deviceToken|pairingToken|newSecret)["']?\s*[=:]\s*["']?)[^\s"'&,;}]+/gi,
  // A bare hex credential, whatever its case (a run of hex digits that long is never prose).
  new RegExp(`(?<![0-9A-Fa-f])[0-9A-Fa-f]{${MIN_HEX_CREDENTIAL},}(?![0-9A-Fa-f])`, "g"),
  // A bare base64url run of credential length; which of them look random is decided by looksRandom.
  new RegExp(`(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{${MIN_BASE64URL_CREDENTIAL},}(?![A-Za-z0-9_-])`, "g"),
];

/**
 * Random base64url (26 upper, 26 lower, 10 digits, 2 symbols per 64) against long identifiers such as
 * `SessionMutationAuthorizationChangedError`: random text has digits, or capitals next to capitals
 * all over it; CamelCase has one capital per word and no digit. A random 43-character token passes
 * for an identifier about once in 400,000 (no digit: 1 in 1,500; then fewer than 3 capital pairs:
 * about 1 in 300). The earlier rule (digits required) let the 1 in 1,500 through.
 */
function looksRandom(run: string): boolean {
  const upper = run.replace(/[^A-Z]/g, "").length;
  const lower = run.replace(/[^a-z]/g, "").length;
  // One case only (Convex ids, snake_case, constants): not base64url of random bytes (odds 1e-10).
  if (upper === 0 || lower === 0) return false;
  if (/[0-9]/.test(run)) return true;
  const capitalPairs = run.match(/[A-Z](?=[A-Z])/g)?.length ?? 0;
  return upper >= 10 && lower >= 10 && capitalPairs >= 3;
}

export interface RedactOptions {
  /** Exact values to mask wherever they appear (the configured secret, gateway token…). */
  secrets?: readonly string[];
}

function maskString(value: string, secrets: readonly string[]): string {
  let out = value;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  out = out.replace(SECRET_PATTERNS[0]!, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  out = out.replace(SECRET_PATTERNS[1]!, (_m, prefix: string) => `${prefix}${REDACTED}`);
  // Whole base64url runs first: a hex stretch inside a token must not leave the token's ends behind.
  out = out.replace(SECRET_PATTERNS[3]!, (run) => (looksRandom(run) ? REDACTED : run));
  out = out.replace(SECRET_PATTERNS[2]!, REDACTED);
  return out;
}

function scrub(value: unknown, secrets: readonly string[], showText: boolean, depth: number, key?: string): unknown {
  if (key !== undefined && SECRET_KEY.test(key) && value !== undefined && value !== null && value !== "") return REDACTED;
  if (key !== undefined && !showText && TEXT_KEY.test(key) && typeof value === "string") return `[${value.length} chars]`;
  if (typeof value === "string") return maskString(value, secrets);
  if (depth > 6 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) {
    return { name: value.name, message: maskString(value.message, secrets) };
  }
  if (Array.isArray(value)) return value.map((item) => scrub(item, secrets, showText, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = scrub(v, secrets, showText, depth + 1, k);
  return out;
}

const LEVEL = Symbol.for("level");

/** Masks credentials in the message and every meta field; drops chat text below debug level. */
export const redactFormat = winston.format((info, opts: unknown) => {
  const secrets = (opts as RedactOptions | undefined)?.secrets ?? [];
  const level = (info as Record<symbol, unknown>)[LEVEL] ?? info.level;
  const showText = level === "debug" || level === "silly";
  for (const key of Object.keys(info)) {
    if (key === "level") continue;
    info[key] = scrub(info[key], secrets, showText, 0, key === "message" ? undefined : key);
  }
  return info;
});

/** The same masking for text written outside winston (e.g. `status` errors). */
export function redactText(text: string, secrets: readonly string[] = []): string {
  return maskString(text, secrets);
}
