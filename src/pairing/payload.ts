/** The native app's pairing payload: `fastclaw://pair?v=1&u=<Convex URL>&t=<pairing token>&k=<content key>` (docs/pairing.md). */
import { CONTENT_KEY_PATTERN } from "../e2e/content-key.js";
import { PAIRING_TOKEN_PATTERN } from "./web-link.js";
import { convexUrlProblem } from "../config/convex-url.js";

export const PAYLOAD_VERSION = 1;

export interface PairingPayload {
  version: number;
  convexUrl: string;
  token: string;
  /** The end-to-end content key: devices get it only from this payload, never through Convex. */
  contentKey: string;
}

export function buildPairingPayload(convexUrl: string, token: string, contentKey: string): string {
  // Fixed order and encoding so the same inputs always give the same (shortest) QR code.
  return `fastclaw://pair?v=${PAYLOAD_VERSION}&u=${encodeURIComponent(convexUrl)}&t=${token}&k=${contentKey}`;
}

/** What the app does with a scanned code; kept here so the format has one executable definition. */
export function parsePairingPayload(text: string): PairingPayload {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new Error("not a FastClaw pairing code");
  }
  if (url.protocol !== "fastclaw:" || url.hostname !== "pair") throw new Error("not a FastClaw pairing code");
  const version = Number(url.searchParams.get("v"));
  if (version !== PAYLOAD_VERSION) throw new Error(`unsupported pairing code version ${url.searchParams.get("v") ?? "(none)"}`);
  const convexUrl = url.searchParams.get("u") ?? "";
  const token = url.searchParams.get("t") ?? "";
  if (!/^https?:\/\/\S+$/.test(convexUrl)) throw new Error("pairing code without a valid Convex URL");
  const urlProblem = convexUrlProblem(convexUrl);
  if (urlProblem) throw new Error(`the pairing code's Convex URL ${urlProblem}`);
  if (!PAIRING_TOKEN_PATTERN.test(token)) throw new Error("pairing code without a valid token");
  const contentKey = url.searchParams.get("k") ?? "";
  if (!CONTENT_KEY_PATTERN.test(contentKey)) throw new Error("pairing code without a valid content key (k=…)");
  return { version, convexUrl, token, contentKey };
}
