/** Reads pairing data from the page's own fragment (`/pair#v=1&t=…&k=…`) or a pasted web link / `fastclaw://pair?…` payload. */
import { parsePairingPayload } from "../../src/pairing/payload.js";
import { parsePairingFragment as readFragment, parseWebPairingUrl } from "../../src/pairing/web-link.js";

export interface PairingLink {
  pairingToken: string;
  /** The relay's end-to-end content key (`k=`): it reaches the device only in the link. */
  contentKey: string;
}

export type LinkResult = { ok: true; link: PairingLink } | { ok: false; error: string };

const PAIR_AGAIN = "Open the link `fastclaw-relay pair` shows again.";

const why = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The fragment of a pairing link (the format's one definition is src/pairing/web-link.ts); null when there is none. */
export function parsePairingFragment(hash: string): LinkResult | null {
  const raw = hash.startsWith("#") ? hash.slice(1) : hash;
  if (raw.trim() === "") return null;
  try {
    const fragment = readFragment(raw);
    return { ok: true, link: { pairingToken: fragment.token, contentKey: fragment.contentKey } };
  } catch (error) {
    // Its messages name the problem, never the token.
    return { ok: false, error: `This pairing link is not usable: ${why(error)}. ${PAIR_AGAIN}` };
  }
}

const sameUrl = (a: string, b: string) => a.replace(/\/+$/, "") === b.replace(/\/+$/, "");

/**
 * What the user pasted: this site's `/pair#…` link, or the native app's `fastclaw://pair?v=1&u=…&t=…`
 * payload, which is accepted only when `u` is this deployment (the page talks to no other).
 */
export function parsePastedLink(input: string, site: { origin: string; convexUrl: string }): LinkResult {
  const text = input.trim();
  if (text === "") return { ok: false, error: "Paste the pairing link first." };
  if (/^fastclaw:/i.test(text)) {
    let payload: ReturnType<typeof parsePairingPayload>;
    try {
      payload = parsePairingPayload(text);
    } catch (error) {
      return { ok: false, error: `That pairing code is not usable: ${why(error)}.` };
    }
    if (!sameUrl(payload.convexUrl, site.convexUrl)) {
      return { ok: false, error: "That code belongs to another Convex deployment. Open the web link the relay shows for it instead." };
    }
    return { ok: true, link: { pairingToken: payload.token, contentKey: payload.contentKey } };
  }
  let parsed: ReturnType<typeof parseWebPairingUrl>;
  try {
    parsed = parseWebPairingUrl(text);
  } catch (error) {
    return { ok: false, error: `That is not a usable pairing link: ${why(error)}. It starts with https:// or fastclaw://pair.` };
  }
  if (parsed.siteOrigin !== site.origin) {
    return { ok: false, error: "That link is for another deployment's web app. Open it directly instead of pasting it here." };
  }
  return { ok: true, link: { pairingToken: parsed.token, contentKey: parsed.contentKey } };
}
