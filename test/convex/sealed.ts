/** What a paired client sends Convex, sealed with the real codec under the vector key: session ids and envelopes. */
import { createHmac, hkdfSync } from "node:crypto";
import { importContentKey, type ContentKey } from "../../src/e2e/content-key.js";
import { open, seal } from "../../src/e2e/envelope.js";
import { KeyRing } from "../../src/e2e/key-ring.js";
import { appRow, messageContexts, sessionContext, type MessageIds } from "../../src/e2e/row-contexts.js";

/** The test vectors' content key (test/fixtures/e2e-vectors.json). */
export const TEST_CONTENT_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
const SID_KEY = Buffer.from(hkdfSync("sha256", Buffer.from(TEST_CONTENT_KEY, "base64url"), Buffer.alloc(0), "fastclaw-e2e/1 sid", 32));

/** The session id Convex stores for a session key (the same HMAC the codec computes; synchronous for test tables). */
export function sid(sessionKey: string): string {
  return `s1.${createHmac("sha256", SID_KEY).update(sessionKey, "utf8").digest("base64url")}`;
}

let key: Promise<ContentKey> | undefined;
const testKey = (): Promise<ContentKey> => (key ??= importContentKey(TEST_CONTENT_KEY));

/** `app.send`'s arguments (less the device token) for a message to `sessionKey`, as a paired client makes them. */
export async function sendArgs(sessionKey: string, clientMessageId: string, text: string) {
  const k = await testKey();
  const sessionId = sid(sessionKey);
  return {
    sessionKey: sessionId,
    sessionKeyEnc: await seal(k, sessionContext(sessionId, "sessionKey"), sessionKey),
    clientMessageId,
    text: await seal(k, { sessionId, field: "text", row: appRow(clientMessageId) }, text),
  };
}

/** A message row's text as a client reads it (throws when it does not open). */
export async function openText(row: MessageIds & { text: string }): Promise<string> {
  const opened = await open(KeyRing.of(await testKey()), messageContexts(row, "text"), row.text);
  if (!opened.ok) throw new Error(`row text did not open: ${opened.reason}`);
  return opened.text;
}

/**
 * A value of the envelope's shape that no key opens, for tests of Convex's own mechanics (indexes, paging) that
 * generate writes synchronously and never read texts: Convex sees nothing more of a real envelope than this.
 */
export function envelopeShaped(seed: string): string {
  return `fc1.AAAAAAAAAAA.AAAAAAAAAAAAAAAA.${Buffer.from(seed.padEnd(16, "."), "utf8").toString("base64url")}`;
}
