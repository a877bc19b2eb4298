/** The codec bound to one paired relay's content key: opens its rows for display, seals what the page sends. */
import { canonicalSessionKey } from "../../src/chat/session-key.js";
import { isSessionId, sessionIdFor } from "../../src/e2e/content-key.js";
import { sealSend, sessionIdOf } from "../../src/e2e/client-rows.js";
import { envelopeKid, open, type OpenFailure, type SealContext } from "../../src/e2e/envelope.js";
import { KeyRing } from "../../src/e2e/key-ring.js";
import { messageContexts, presenceContext, sessionContext } from "../../src/e2e/row-contexts.js";
import type { PairedInstance } from "./device-store.js";
import { downloadAttachment, sealAndUpload } from "../../src/app-client/client-files.js";
import { opened, type ChatCrypto, type Opened, type Unreadable } from "./opened.js";

/** Opened values remembered per (place, envelope): a streamed reply re-sends every row of its page on each write. */
const CACHE_ENTRIES = 1000;

const UNREADABLE: Record<Exclude<OpenFailure, "legacy">, Unreadable> = { "unknown-key": "other-key", malformed: "tampered", forged: "tampered" };

export class NoContentKeyError extends Error {
  override readonly name = "NoContentKeyError";
}

export interface RelayCrypto extends ChatCrypto {
  /** False when this device holds no usable key for the relay (paired before encryption): it can read nothing new. */
  readonly hasKey: Promise<boolean>;
  /** The Gateway's error string of `app.status`, opened. */
  openGatewayError(value: string | undefined): Promise<Opened | undefined>;
}

export function chatCrypto(instance: Pick<PairedInstance, "contentKey">): RelayCrypto {
  // A stored key that does not import (edited storage) is treated like no key: nothing is shown as text.
  const ring: Promise<KeyRing | null> = instance.contentKey === undefined ? Promise.resolve(null) : KeyRing.fromStored(instance.contentKey).catch(() => null);
  const cache = new Map<string, Opened>();

  /** A sealed field: its text, `legacy` when stored in plaintext before encryption, or why it can't be shown. */
  async function openField(value: string, contexts: readonly SealContext[]): Promise<Opened> {
    const keys = await ring;
    const cacheKey = `${JSON.stringify(contexts)}\n${value}`;
    const hit = cache.get(cacheKey);
    if (hit !== undefined) return hit;
    const result = await openUncached(keys, value, contexts);
    if (cache.size >= CACHE_ENTRIES) cache.clear();
    cache.set(cacheKey, result);
    return result;
  }

  async function openUncached(keys: KeyRing | null, value: string, contexts: readonly SealContext[]): Promise<Opened> {
    if (keys === null) return value.startsWith("fc1.") ? { ok: false, why: "no-key" } : opened(value, true);
    const result = await open(keys, contexts, value);
    if (result.ok) return opened(result.text);
    return result.reason === "legacy" ? opened(value, true) : { ok: false, why: UNREADABLE[result.reason] };
  }

  const openOptional = (value: string | undefined, contexts: readonly SealContext[]) => (value === undefined ? Promise.resolve(undefined) : openField(value, contexts));

  /** A session's key: from before encryption the row holds it in plaintext; else its copy must hash to the row's id. */
  async function openSessionKey(sessionId: string, sessionKeyEnc: string | undefined): Promise<Opened> {
    if (!isSessionId(sessionId)) return opened(sessionId, true);
    if (sessionKeyEnc === undefined) return { ok: false, why: "tampered" };
    const key = await openField(sessionKeyEnc, [sessionContext(sessionId, "sessionKey")]);
    if (!key.ok || key.legacy) return key.ok ? { ok: false, why: "tampered" } : key;
    // The id is the HMAC under the key that sealed the copy (ids change with the key at `pair --reset`).
    const sealer = (await ring)?.byKid(envelopeKid(sessionKeyEnc) ?? "");
    return sealer !== undefined && (await sessionIdFor(sealer, key.text)) === sessionId ? key : { ok: false, why: "tampered" };
  }

  async function keyRing(): Promise<KeyRing> {
    const keys = await ring;
    if (keys === null) throw new NoContentKeyError("this device has no key for this relay: pair it again");
    return keys;
  }

  return {
    hasKey: ring.then((keys) => keys !== null),
    openMessage: async (row) => {
      const [text, error] = await Promise.all([openField(row.text, messageContexts(row, "text")), openOptional(row.error, messageContexts(row, "error"))]);
      return {
        messageId: row.messageId,
        role: row.role,
        status: row.status,
        createdAt: row.createdAt,
        order: row.order,
        clientMessageId: row.clientMessageId,
        abortRequested: row.abortRequested,
        gatewayTruncated: row.gatewayTruncated,
        text,
        error,
      };
    },
    openSession: async (row) => {
      const id = row.sessionKey;
      const [sessionKey, title, lastMessagePreview] = await Promise.all([
        openSessionKey(id, row.sessionKeyEnc),
        openOptional(row.title, [sessionContext(id, "title")]),
        openOptional(row.lastMessagePreview, [sessionContext(id, "preview")]),
      ]);
      return { sessionId: id, sessionKey, title, lastMessagePreview, updatedAt: row.updatedAt, hasActiveRun: row.hasActiveRun };
    },
    newChat: async (sessionKey) => {
      const canonical = canonicalSessionKey(sessionKey);
      return { sessionId: await sessionIdOf(await keyRing(), canonical), sessionKey: opened(canonical) };
    },
    // A chat from before encryption (plaintext key) is written to under its session id: its new messages start the encrypted chat.
    sealMessage: async (chat, clientMessageId, text) => sealSend(await keyRing(), canonicalSessionKey(chat.sessionKey.text), clientMessageId, text),
    uploadFile: async (sessionId, file, port) => sealAndUpload(port, await keyRing(), sessionId, file),
    openFile: async (sessionId, file) => downloadAttachment((url, init) => fetch(url, init), await keyRing(), sessionId, file),
    openGatewayError: (value) => openOptional(value, [presenceContext()]),
  };
}
