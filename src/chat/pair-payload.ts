/** Reads a pairing payload (the QR code's `fastclaw://pair?v=1&u=<convexUrl>&t=<token>`) into a Convex URL and a token. */
import { parsePairingPayload as parseLink } from "../pairing/payload.js";
import { convexUrlProblem } from "../config/convex-url.js";
import { ChatError } from "./chat-error.js";

export interface PairingPayload {
  convexUrl: string;
  pairingToken: string;
}

const TOKEN = /^[A-Za-z0-9_-]{43,128}$/;
const HINT = "Use the link `fastclaw-relay pair --json` prints (fastclaw://pair?v=1&u=…&t=…).";

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

/** The QR link, read by the format's one definition (src/pairing/payload.ts). */
function fromLink(link: string): PairingPayload {
  let parsed: ReturnType<typeof parseLink>;
  try {
    parsed = parseLink(link);
  } catch (error) {
    // Its messages name the problem, never the token.
    throw new ChatError("BAD_PAYLOAD", `the pairing payload is not usable: ${error instanceof Error ? error.message : String(error)}`, HINT);
  }
  return { convexUrl: checkedUrl(parsed.convexUrl), pairingToken: parsed.token };
}

const rec = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
const str = (value: unknown): string | undefined => (typeof value === "string" && value.length > 0 ? value : undefined);

/** Every string in a JSON value, depth first. */
function strings(value: unknown, depth = 0): string[] {
  if (typeof value === "string") return [value];
  if (depth > 4 || value === null || typeof value !== "object") return [];
  return Object.values(value as Record<string, unknown>).flatMap((v) => strings(v, depth + 1));
}

/** A JSON event (e.g. a line of `pair --json`): a fastclaw:// link anywhere in it, or `convexUrl` + `token` fields. */
function fromJson(data: Record<string, unknown>, fallbackConvexUrl: string | undefined): PairingPayload | undefined {
  const link = strings(data).find((value) => /^fastclaw:\/\//i.test(value));
  if (link) return fromLink(link);
  const token = str(data.pairingToken) ?? str(data.token);
  if (token) {
    const convexUrl = str(data.convexUrl) ?? fallbackConvexUrl;
    if (!convexUrl) throw new ChatError("BAD_PAYLOAD", "the pairing payload has a token but no Convex URL", HINT);
    return { convexUrl: checkedUrl(convexUrl), pairingToken: checkedToken(token) };
  }
  for (const value of Object.values(data)) {
    const nested = rec(value);
    if (nested) {
      const found = fromJson(nested, fallbackConvexUrl);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Accepts the `fastclaw://pair?…` link, a JSON object holding it (or `convexUrl` and `token`), or a
 * bare token together with `fallbackConvexUrl`. Throws ChatError BAD_PAYLOAD saying what is wrong.
 */
export function parsePairingPayload(input: string, fallbackConvexUrl?: string): PairingPayload {
  const text = input.trim();
  if (text.length === 0) throw new ChatError("BAD_PAYLOAD", "the pairing payload is empty", HINT);
  if (text.startsWith("{")) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new ChatError("BAD_PAYLOAD", "the pairing payload looks like JSON but does not parse", HINT);
    }
    const found = rec(data) ? fromJson(rec(data)!, fallbackConvexUrl) : undefined;
    if (!found) throw new ChatError("BAD_PAYLOAD", "the JSON pairing payload holds no pairing link or token", HINT);
    return found;
  }
  if (TOKEN.test(text)) {
    if (!fallbackConvexUrl) {
      throw new ChatError("BAD_PAYLOAD", "a bare pairing token needs a Convex URL", "Pass --convex-url, or the whole fastclaw://pair link.");
    }
    return { convexUrl: checkedUrl(fallbackConvexUrl), pairingToken: text };
  }
  return fromLink(text);
}
