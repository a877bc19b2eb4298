/** A winston format that keeps credentials and chat text out of every log line. */
import winston from "winston";

export const REDACTED = "[redacted]";

/** Keys whose values are credentials whatever they hold. */
const SECRET_KEY = /secret|token|password|passwd|authorization|cookie|api[-_]?key|credential|signature|private[-_]?key/i;
/** Keys that hold chat content: only shown at debug level, otherwise replaced by their length. */
const TEXT_KEY = /^(text|content|body|preview|lastMessagePreview|prompt|reply|delta)$/;

const SECRET_PATTERNS: RegExp[] = [
  // Authorization headers and bearer tokens in free text.
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  // key=value / key: value pairs in URLs, queries and messages.
  /\b((?:[A-Za-z]*_)?(?:secret|token|password|relaySecret|deviceToken|pairingToken|newSecret)["']?\s*[=:]\s*["']?)[^\s"'&,;}]+/gi,
  // A bare credential: 40+ base64url characters mixing cases and digits, the shape of every credential here.
  /(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z0-9_-]*[a-z])(?=[A-Za-z0-9_-]*[0-9])[A-Za-z0-9_-]{40,}(?![A-Za-z0-9_-])/g,
];

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
