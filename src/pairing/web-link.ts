/** The web app's pairing link, `<siteUrl>/pair#v=1&t=<token>&k=<content key>`: built by `pair`, read by the page and `chat --pair`. */
// No Node imports: the web app bundles this file, so the link has one executable definition on both sides.
import { CONTENT_KEY_PATTERN } from "../e2e/content-key.js";

export const WEB_PAIR_PATH = "/pair";
export const WEB_LINK_VERSION = 1;
/** The shape of every pairing token (32+ random bytes, base64url). */
export const PAIRING_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43,128}$/;

export interface WebPairingFragment {
  version: number;
  token: string;
  /** The instance's end-to-end content key (docs/convex-api.md "End-to-end encryption"): it reaches devices only here. */
  contentKey: string;
}

export class WebLinkError extends Error {
  override readonly name = "WebLinkError";
}

interface FieldSpec {
  /** The fragment key. */
  key: string;
  field: keyof WebPairingFragment;
  required: boolean;
  /** Turns the raw (already percent-decoded) value into the field; throws WebLinkError naming the problem. */
  read: (raw: string) => string | number;
}

/**
 * What the fragment may carry. A new field is one more row; keys not listed here are ignored, so an older page
 * still pairs with a newer link's known fields. Messages never echo a token or a key.
 */
const FIELDS: readonly FieldSpec[] = [
  {
    key: "v",
    field: "version",
    required: true,
    read: (raw) => {
      if (raw !== String(WEB_LINK_VERSION)) throw new WebLinkError(`unsupported pairing link version ${JSON.stringify(raw.slice(0, 10))}`);
      return WEB_LINK_VERSION;
    },
  },
  {
    key: "t",
    field: "token",
    required: true,
    read: (raw) => {
      if (!PAIRING_TOKEN_PATTERN.test(raw)) throw new WebLinkError("the pairing link has no valid token (t=…)");
      return raw;
    },
  },
  {
    key: "k",
    field: "contentKey",
    required: true,
    read: (raw) => {
      if (!CONTENT_KEY_PATTERN.test(raw)) throw new WebLinkError("the pairing link has no valid content key (k=…)");
      return raw;
    },
  },
];

/** The site URL with the pairing token and the content key in the fragment, which browsers never send to a server. */
export function buildWebPairingUrl(siteUrl: string, token: string, contentKey: string): string {
  return `${siteUrl.replace(/\/+$/, "")}${WEB_PAIR_PATH}#v=${WEB_LINK_VERSION}&t=${token}&k=${contentKey}`;
}

/** Reads `v=1&t=…&k=…` (with or without the leading `#`). */
export function parsePairingFragment(fragment: string): WebPairingFragment {
  const text = fragment.startsWith("#") ? fragment.slice(1) : fragment;
  const seen = new Map<string, string>();
  for (const part of text.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = eq < 0 ? part : part.slice(0, eq);
    let value: string;
    try {
      value = decodeURIComponent(eq < 0 ? "" : part.slice(eq + 1));
    } catch {
      throw new WebLinkError(`the pairing link's "${key.slice(0, 10)}" is not valid percent-encoding`);
    }
    if (seen.has(key)) throw new WebLinkError(`the pairing link has "${key.slice(0, 10)}" twice`);
    seen.set(key, value);
  }
  const result: Partial<Record<keyof WebPairingFragment, string | number>> = {};
  for (const spec of FIELDS) {
    const raw = seen.get(spec.key);
    if (raw === undefined) {
      if (spec.required) throw new WebLinkError(`the pairing link has no "${spec.key}"`);
      continue;
    }
    result[spec.field] = spec.read(raw);
  }
  return result as unknown as WebPairingFragment;
}

/** Whether `text` looks like a web pairing link (an http(s) URL whose fragment carries a token), not whether it is valid. */
export function isWebPairingUrl(text: string): boolean {
  return /^https?:\/\/[^#\s]+#(.*&)?t=/i.test(text.trim());
}

/** Splits a web pairing link into the site it points at and its fragment's fields. */
export function parseWebPairingUrl(text: string): WebPairingFragment & { siteOrigin: string } {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new WebLinkError("not a FastClaw pairing link");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new WebLinkError("not a FastClaw pairing link");
  return { ...parsePairingFragment(url.hash), siteOrigin: url.origin };
}
