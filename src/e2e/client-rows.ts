/** A paired client's side of the codec: seal a send, open message/session rows and the status error for display. */
// Web Crypto only (no Node imports): `fastclaw-relay chat`, the test app client and the web app share this file.
import { isSessionId, sessionIdFor } from "./content-key.js";
import { envelopeKid, open, seal, type OpenFailure, type Opened, type SealContext } from "./envelope.js";
import type { KeyRing } from "./key-ring.js";
import { appRow, messageContexts, presenceContext, sessionContext, type MessageIds } from "./row-contexts.js";

/** How a shown value was read: opened, plaintext from before encryption, or not at all (why). */
export type Openness = "ok" | OpenFailure;

/** Plaintext from before encryption is shown, but never silently: always behind this mark. */
export const LEGACY_MARK = "[unencrypted] ";
/** What a client shows in place of a value it cannot open: never any other text. */
export const UNOPENED_TEXT: Readonly<Record<Exclude<OpenFailure, "legacy">, string>> = {
  "unknown-key": "🔒 [sealed with a key this device does not hold]",
  malformed: "🔒 [cannot be decrypted: damaged]",
  forged: "🔒 [cannot be decrypted: it does not belong here]",
};

function shown(opened: Opened, raw: string): { text: string; e2e: Openness } {
  if (opened.ok) return { text: opened.text, e2e: "ok" };
  if (opened.reason === "legacy") return { text: `${LEGACY_MARK}${raw}`, e2e: "legacy" };
  return { text: UNOPENED_TEXT[opened.reason], e2e: opened.reason };
}

async function shownValue(keys: KeyRing, contexts: SealContext[], raw: string | undefined): Promise<string | undefined> {
  return raw === undefined ? undefined : shown(await open(keys, contexts, raw), raw).text;
}

/** `app.send`'s arguments (less the device token): the session id, the sealed key copy and the sealed text. */
export async function sealSend(
  keys: KeyRing,
  sessionKey: string,
  clientMessageId: string,
  text: string,
): Promise<{ sessionKey: string; sessionKeyEnc: string; clientMessageId: string; text: string }> {
  const sessionId = await sessionIdFor(keys.current, sessionKey);
  return {
    sessionKey: sessionId,
    sessionKeyEnc: await seal(keys.current, sessionContext(sessionId, "sessionKey"), sessionKey),
    clientMessageId,
    text: await seal(keys.current, { sessionId, field: "text", row: appRow(clientMessageId) }, text),
  };
}

/** The session id to list or watch a session by. */
export function sessionIdOf(keys: KeyRing, sessionKey: string): Promise<string> {
  return sessionIdFor(keys.current, sessionKey);
}

/** A message row as shown: `text` and `error` opened (or marked), `e2e` says how the text was read. */
export async function openMessageRow<R extends MessageIds & { text: string; error?: string }>(
  keys: KeyRing,
  row: R,
): Promise<R & { e2e: Openness }> {
  const text = shown(await open(keys, messageContexts(row, "text"), row.text), row.text);
  const error = await shownValue(keys, messageContexts(row, "error"), row.error);
  return { ...row, text: text.text, e2e: text.e2e, ...(error !== undefined ? { error } : {}) };
}

/**
 * A session row as shown: `sessionId` is the stored id, `sessionKey` the opened key (checked against the id: a
 * copy of another session's key is forged); title, preview and model opened. A legacy row's key is its own id.
 */
export async function openSessionRow<R extends { sessionKey: string; sessionKeyEnc?: string; title?: string; lastMessagePreview?: string; model?: string }>(
  keys: KeyRing,
  row: R,
): Promise<Omit<R, "sessionKeyEnc"> & { sessionId: string; e2e: Openness }> {
  const { sessionKeyEnc, ...rest } = row;
  const sessionId = row.sessionKey;
  let e2e: Openness = "legacy";
  let sessionKey = sessionId;
  if (isSessionId(sessionId)) {
    const opened: Opened = sessionKeyEnc === undefined ? { ok: false, reason: "malformed" } : await open(keys, [sessionContext(sessionId, "sessionKey")], sessionKeyEnc);
    const sealer = sessionKeyEnc === undefined ? undefined : keys.byKid(envelopeKid(sessionKeyEnc) ?? "");
    const matches = opened.ok && sealer !== undefined && (await sessionIdFor(sealer, opened.text)) === sessionId;
    e2e = opened.ok ? (matches ? "ok" : "forged") : opened.reason;
    sessionKey = opened.ok && matches ? opened.text : UNOPENED_TEXT[e2e === "ok" || e2e === "legacy" ? "malformed" : e2e];
  }
  const field = async (name: "title" | "preview" | "model", raw: string | undefined) => shownValue(keys, [sessionContext(sessionId, name)], raw);
  const title = await field("title", row.title);
  const lastMessagePreview = await field("preview", row.lastMessagePreview);
  const model = await field("model", row.model);
  return {
    ...rest,
    sessionId,
    sessionKey,
    e2e,
    ...(title !== undefined ? { title } : {}),
    ...(lastMessagePreview !== undefined ? { lastMessagePreview } : {}),
    ...(model !== undefined ? { model } : {}),
  };
}

/** `app.status`'s `gateway.error`, opened for display. */
export function openGatewayError(keys: KeyRing, error: string | undefined): Promise<string | undefined> {
  return shownValue(keys, [presenceContext()], error);
}
