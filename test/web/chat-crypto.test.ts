/** The page's view of encrypted rows: what the relay seals opens; moved, swapped or foreign-key rows never show as text. */
import { generateContentKey, importContentKey, sessionIdFor } from "../../src/e2e/content-key.js";
import { open, seal } from "../../src/e2e/envelope.js";
import { KeyRing } from "../../src/e2e/key-ring.js";
import { appRow, messageContexts, runRow, sessionContext, transcriptRow, presenceContext } from "../../src/e2e/row-contexts.js";
import { chatCrypto } from "../../web/src/chat-crypto.js";
import type { MessageRow, SessionRow } from "../../web/src/api.js";

const KEY = generateContentKey();
const SESSION = "agent:main:whatsapp:+15550001111";

async function setup() {
  const key = await importContentKey(KEY);
  const sessionId = await sessionIdFor(key, SESSION);
  return { key, sessionId, page: chatCrypto({ contentKey: KEY }) };
}

function row(fields: Partial<MessageRow> & Pick<MessageRow, "sessionKey" | "text">): MessageRow {
  return { messageId: "m1" as MessageRow["messageId"], role: "assistant", source: "gateway", status: "final", createdAt: 1, updatedAt: 1, ...fields } as MessageRow;
}

test("text sealed by the relay for a stream, a transcript message, and an app message opens; so does an error", async () => {
  const { key, sessionId, page } = await setup();
  const streamed = row({ sessionKey: sessionId, runId: "run-1", text: await seal(key, { sessionId, field: "text", row: runRow("run-1") }, "Hello **there**") });
  expect((await page.openMessage(streamed)).text).toEqual({ ok: true, text: "Hello **there**" });
  // A stream later merged with its transcript copy: the row has both ids and either seal opens.
  const merged = row({ ...streamed, gatewayMessageId: "g-1", error: await seal(key, { sessionId, field: "error", row: runRow("run-1") }, "model timed out") });
  const opened = await page.openMessage(merged);
  expect(opened.text).toEqual({ ok: true, text: "Hello **there**" });
  expect(opened.error).toEqual({ ok: true, text: "model timed out" });
  const mirrored = row({ sessionKey: sessionId, gatewayMessageId: "g-2", role: "user", status: "mirrored", text: await seal(key, { sessionId, field: "text", row: transcriptRow("g-2") }, "from WhatsApp") });
  expect((await page.openMessage(mirrored)).text).toEqual({ ok: true, text: "from WhatsApp" });
  const app = row({ sessionKey: sessionId, source: "app", role: "user", status: "queued", clientMessageId: "c-1", text: await seal(key, { sessionId, field: "text", row: appRow("c-1") }, "mine") });
  expect((await page.openMessage(app)).text).toEqual({ ok: true, text: "mine" });
});

test("a ciphertext moved into another row, session or field, or altered, is 'tampered', never text", async () => {
  const { key, sessionId, page } = await setup();
  const sealed = await seal(key, { sessionId, field: "text", row: runRow("run-1") }, "secret reply");
  const otherSession = await sessionIdFor(key, "agent:main:other");
  const cases = [
    row({ sessionKey: sessionId, runId: "run-2", text: sealed }), // another row of the same session
    row({ sessionKey: otherSession, runId: "run-1", text: sealed }), // the same run id in another session
    row({ sessionKey: sessionId, source: "app", role: "user", clientMessageId: "run-1", text: sealed }), // an app row
    row({ sessionKey: sessionId, runId: "run-x", text: "ok", error: sealed }), // into the error field
    row({ sessionKey: sessionId, runId: "run-1", text: `${sealed.slice(0, -2)}${sealed.endsWith("A") ? "B" : "A"}A` }), // bytes changed
    row({ sessionKey: sessionId, runId: "run-1", text: "fc1.garbage" }), // not an envelope at all
  ];
  const results = await Promise.all(cases.map((c) => page.openMessage(c)));
  expect(results.map((r) => (r.error ?? r.text).ok)).toEqual([false, false, false, false, false, false]);
  for (const r of results) expect(r.error ?? r.text).toEqual({ ok: false, why: "tampered" });
});

test("a row sealed under another key (written after `pair --reset`) is 'other-key'; a device without a key reads none", async () => {
  const { sessionId } = await setup();
  const rotated = await importContentKey(generateContentKey());
  const text = await seal(rotated, { sessionId, field: "text", row: runRow("run-9") }, "after the reset");
  const old = await chatCrypto({ contentKey: KEY }).openMessage(row({ sessionKey: sessionId, runId: "run-9", text }));
  expect(old.text).toEqual({ ok: false, why: "other-key" });
  const keyless = chatCrypto({});
  expect(await keyless.hasKey).toBe(false);
  expect((await keyless.openMessage(row({ sessionKey: sessionId, runId: "run-9", text }))).text).toEqual({ ok: false, why: "no-key" });
  await expect(keyless.newChat("agent:main:web-x")).rejects.toThrow(/no key/);
  // A stored key that is not a key (edited storage) counts as none.
  expect(await chatCrypto({ contentKey: "not a key" }).hasKey).toBe(false);
});

test("plaintext from before encryption is shown, marked legacy", async () => {
  const { page } = await setup();
  const legacy = await page.openMessage(row({ sessionKey: "agent:main:main", runId: "r", text: "old plaintext", error: "old reason" }));
  expect(legacy.text).toEqual({ ok: true, text: "old plaintext", legacy: true });
  expect(legacy.error).toEqual({ ok: true, text: "old reason", legacy: true });
  const session = await page.openSession({ sessionKey: "agent:main:main", updatedAt: 1, title: "Old title" } as SessionRow);
  expect(session.sessionKey).toEqual({ ok: true, text: "agent:main:main", legacy: true });
  expect(session.title).toEqual({ ok: true, text: "Old title", legacy: true });
});

test("a session's key, title and preview open; a key copy that does not hash to the row's id is 'tampered'", async () => {
  const { key, sessionId, page } = await setup();
  const fields = {
    sessionKey: sessionId,
    sessionKeyEnc: await seal(key, sessionContext(sessionId, "sessionKey"), SESSION),
    title: await seal(key, sessionContext(sessionId, "title"), "Alice"),
    lastMessagePreview: await seal(key, sessionContext(sessionId, "preview"), "see you"),
    updatedAt: 5,
  };
  const session = await page.openSession(fields as SessionRow);
  expect(session).toMatchObject({ sessionId, sessionKey: { ok: true, text: SESSION }, title: { ok: true, text: "Alice" }, lastMessagePreview: { ok: true, text: "see you" } });
  // Convex swaps another session's (validly sealed) title and key copy in: neither opens.
  const otherId = await sessionIdFor(key, "agent:main:other");
  const swapped = await page.openSession({ ...fields, sessionKey: otherId } as SessionRow);
  expect(swapped.sessionKey).toEqual({ ok: false, why: "tampered" });
  expect(swapped.title).toEqual({ ok: false, why: "tampered" });
  // A key copy sealed for this id but naming another key (a writer's mistake or a forgery) is refused too.
  const lying = await page.openSession({ ...fields, sessionKeyEnc: await seal(key, sessionContext(sessionId, "sessionKey"), "agent:main:other") } as SessionRow);
  expect(lying.sessionKey).toEqual({ ok: false, why: "tampered" });
  expect((await page.openSession({ ...fields, sessionKeyEnc: undefined } as SessionRow)).sessionKey).toEqual({ ok: false, why: "tampered" });
});

test("what the page sends is sealed where the relay opens it: the text under its clientMessageId, the key under the session id", async () => {
  const { sessionId, page } = await setup();
  const chat = await page.newChat(SESSION);
  expect(chat.sessionId).toBe(sessionId);
  const args = await page.sealMessage({ ...chat, sessionKey: { ok: true, text: SESSION } }, "client-1", "hello relay");
  expect(args.sessionKey).toBe(sessionId);
  expect(JSON.stringify(args)).not.toContain("hello relay");
  expect(JSON.stringify(args)).not.toContain("15550001111");
  const ring = await KeyRing.fromStored(KEY);
  const asRelay = messageContexts({ sessionKey: args.sessionKey, source: "app", clientMessageId: "client-1" }, "text");
  expect(await open(ring, asRelay, args.text)).toEqual({ ok: true, text: "hello relay" });
  expect(await open(ring, [sessionContext(sessionId, "sessionKey")], args.sessionKeyEnc ?? "")).toEqual({ ok: true, text: SESSION });
  // A chat from before encryption (plaintext key) is written to under its session id.
  const legacyChat = { sessionId: SESSION, sessionKey: { ok: true as const, text: SESSION } };
  expect((await page.sealMessage(legacyChat, "client-2", "x")).sessionKey).toBe(sessionId);
});

test("the Gateway's error in the status opens from its presence place only", async () => {
  const { key, page } = await setup();
  expect(await page.openGatewayError(await seal(key, presenceContext(), "auth failed"))).toEqual({ ok: true, text: "auth failed" });
  expect(await page.openGatewayError(await seal(key, { sessionId: "", field: "error", row: "presence" }, "auth failed"))).toEqual({ ok: false, why: "tampered" });
  expect(await page.openGatewayError(undefined)).toBeUndefined();
});
