/** Reads a pairing payload (`fastclaw://pair?…`, the web app's `https://…/pair#v=1&t=…&k=…`, JSON) into a Convex URL, a token and the content key. */
import { parsePairingPayload as parseLink } from "../pairing/payload.js";
import { isWebPairingUrl, PAIRING_TOKEN_PATTERN, parseWebPairingUrl } from "../pairing/web-link.js";
import { ChatError, withTimeout } from "./chat-error.js";
import { convexUrlProblem } from "../config/convex-url.js";
import { CONTENT_KEY_PATTERN } from "../e2e/content-key.js";
import { isRecord, nonEmptyStr, str } from "../json-values.js";

export interface PairingPayload {
  convexUrl: string;
  pairingToken: string;
  /** The relay's end-to-end content key: only pairing payloads carry it. */
  contentKey: string;
}

const TOKEN = PAIRING_TOKEN_PATTERN;
const HINT = "Use a link `fastclaw-relay pair` prints (fastclaw://pair?v=1&u=…&t=…&k=…, or https://…/pair#v=1&t=…&k=…).";

/** A web app link: the token is in it, the Convex URL is what its site's /app-config.json says. */
export interface WebPairing {
  siteOrigin: string;
  pairingToken: string;
  contentKey: string;
}

function checkedUrl(raw: string): string {
  const problem = convexUrlProblem(raw);
  if (problem) throw new ChatError("BAD_PAYLOAD", `the pairing payload's Convex URL ${problem}`, HINT);
  return raw.replace(/\/+$/, "");
}

function checkedToken(raw: string | undefined | null): string {
  // The token itself is never echoed: it is a credential until claimed.
  if (!raw || !TOKEN.test(raw)) throw new ChatError("BAD_PAYLOAD", "the pairing payload has no valid token (t=…)", HINT);
  return raw;
}

function checkedKey(raw: string | undefined | null): string {
  // Never echoed either: it opens every conversation.
  if (!raw || !CONTENT_KEY_PATTERN.test(raw)) {
    throw new ChatError("BAD_PAYLOAD", "the pairing payload has no valid content key (k=…): it cannot open end-to-end encrypted messages", HINT);
  }
  return raw;
}

/** The QR link, read by the format's one definition (src/pairing/payload.ts). */
function fromLink(link: string): PairingPayload {
  let parsed: ReturnType<typeof parseLink>;
  try {
    parsed = parseLink(link);
  } catch (error) {
    // Its messages name the problem, never the token.
    throw new ChatError("BAD_PAYLOAD", `the pairing payload is not usable: ${error instanceof Error ? error.message : String(error)}`, HINT);
  }
  return { convexUrl: checkedUrl(parsed.convexUrl), pairingToken: parsed.token, contentKey: parsed.contentKey };
}


/** Every string in a JSON value, depth first. */
function strings(value: unknown, depth = 0): string[] {
  if (typeof value === "string") return [value];
  if (depth > 4 || value === null || typeof value !== "object") return [];
  return Object.values(value as Record<string, unknown>).flatMap((v) => strings(v, depth + 1));
}

function fromWebLink(link: string): WebPairing {
  try {
    const { siteOrigin, token, contentKey } = parseWebPairingUrl(link);
    return { siteOrigin, pairingToken: token, contentKey };
  } catch (error) {
    throw new ChatError("BAD_PAYLOAD", `the pairing link is not usable: ${error instanceof Error ? error.message : String(error)}`, HINT);
  }
}

/** A JSON event (e.g. a line of `pair --json`): a fastclaw:// or web link anywhere in it, or `convexUrl` + `token` fields. */
function fromJson(data: Record<string, unknown>, fallbackConvexUrl: string | undefined): PairingPayload | WebPairing | undefined {
  const link = strings(data).find((value) => /^fastclaw:\/\//i.test(value));
  if (link) return fromLink(link);
  const webLink = strings(data).find(isWebPairingUrl);
  if (webLink) return fromWebLink(webLink);
  const token = nonEmptyStr(data.pairingToken) ?? nonEmptyStr(data.token);
  if (token) {
    const convexUrl = nonEmptyStr(data.convexUrl) ?? fallbackConvexUrl;
    if (!convexUrl) throw new ChatError("BAD_PAYLOAD", "the pairing payload has a token but no Convex URL", HINT);
    return { convexUrl: checkedUrl(convexUrl), pairingToken: checkedToken(token), contentKey: checkedKey(str(data.contentKey)) };
  }
  for (const value of Object.values(data)) {
    if (isRecord(value)) {
      const found = fromJson(value, fallbackConvexUrl);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Accepts the `fastclaw://pair?…` link, the web app's link, or a JSON object holding either (or `convexUrl`,
 * `token` and `contentKey`). A bare token is refused: it carries no content key. Throws ChatError BAD_PAYLOAD saying what is wrong.
 */
export function readPairingInput(input: string, fallbackConvexUrl?: string): PairingPayload | WebPairing {
  const text = input.trim();
  if (text.length === 0) throw new ChatError("BAD_PAYLOAD", "the pairing payload is empty", HINT);
  if (text.startsWith("{")) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new ChatError("BAD_PAYLOAD", "the pairing payload looks like JSON but does not parse", HINT);
    }
    const found = isRecord(data) ? fromJson(data, fallbackConvexUrl) : undefined;
    if (!found) throw new ChatError("BAD_PAYLOAD", "the JSON pairing payload holds no pairing link or token", HINT);
    return found;
  }
  if (TOKEN.test(text)) {
    throw new ChatError("BAD_PAYLOAD", "a bare pairing token carries no content key", "Give the whole fastclaw://pair link (or the web link) instead.");
  }
  if (isWebPairingUrl(text)) return fromWebLink(text);
  return fromLink(text);
}

/** Like readPairingInput, for forms that carry the Convex URL themselves (no network needed). */
export function parsePairingPayload(input: string, fallbackConvexUrl?: string): PairingPayload {
  const read = readPairingInput(input, fallbackConvexUrl);
  if ("siteOrigin" in read) {
    throw new ChatError("BAD_PAYLOAD", "a web pairing link needs its site asked for the Convex URL", "Use resolvePairingPayload.");
  }
  return read;
}

export type ConfigFetcher = (url: string) => Promise<Response>;

/**
 * Any accepted form, to a Convex URL and a token. For a web link the site that served the link says which
 * deployment it belongs to (`/app-config.json`, the deployment's own CONVEX_CLOUD_URL): the link holds no URL.
 */
export async function resolvePairingPayload(
  input: string,
  fallbackConvexUrl: string | undefined,
  timeoutMs: number,
  fetchConfig: ConfigFetcher = (url) => fetch(url, { redirect: "error", signal: AbortSignal.timeout(timeoutMs) }),
): Promise<PairingPayload> {
  const read = readPairingInput(input, fallbackConvexUrl);
  if (!("siteOrigin" in read)) return read;
  const configUrl = `${read.siteOrigin}/app-config.json`;
  const hint = `Is ${read.siteOrigin} reachable from here, and does its deployment serve the web app (\`npx convex deploy\`)?`;
  const response = await withTimeout(
    fetchConfig(configUrl).catch((error: unknown) => {
      throw new ChatError("UNREACHABLE", `cannot reach ${configUrl}: ${error instanceof Error ? error.message : String(error)}`, hint);
    }),
    timeoutMs,
    `asking ${configUrl}`,
    hint,
  );
  const body: unknown = response.ok ? await response.json().catch(() => undefined) : undefined;
  const convexUrl = isRecord(body) ? nonEmptyStr(body.convexUrl) : undefined;
  if (!convexUrl) throw new ChatError("PAIRING_FAILED", `${configUrl} did not give a Convex URL (HTTP ${response.status})`, hint);
  return { convexUrl: checkedUrl(convexUrl), pairingToken: read.pairingToken, contentKey: read.contentKey };
}
