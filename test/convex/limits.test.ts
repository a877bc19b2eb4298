/** Size checks and bounded reads: every string is measured, and no page or list exceeds its cap. */
import { api } from "../../convex/_generated/api.js";
import * as L from "../../convex/lib/limits.js";
import { credential, expectError, type Backend, usePairedBackend } from "./fixtures.js";
import { openText, sendArgs, sid } from "./sealed.js";

let t: Backend;
let relaySecret: string;
let deviceToken: string;

usePairedBackend((env) => ({ t, relaySecret, deviceToken } = env));

/** 150 mirrored messages in one session, timestamps 1..150. */
async function fillSession(sessionKey: string, count = 150): Promise<void> {
  for (let start = 0; start < count; start += L.MAX_INGEST_BATCH) {
    const batch = Array.from({ length: Math.min(L.MAX_INGEST_BATCH, count - start) }, (_, i) => ({
      gatewayMessageId: `g-${start + i + 1}`,
      role: "assistant" as const,
      text: `message ${start + i + 1}`,
      timestamp: start + i + 1,
    }));
    await t.mutation(api.relay.ingestTranscript, { relaySecret, sessionKey: sid(sessionKey), messages: batch });
  }
}

describe("pagination", () => {
  test(`a message page never exceeds ${L.MAX_PAGE_SIZE}, newest first, whatever numItems asks`, async () => {
    await fillSession("main");
    const first = await t.query(api.app.listMessages, { deviceToken, sessionKey: sid("main"), paginationOpts: { numItems: 10_000, cursor: null } });
    expect(first.page).toHaveLength(L.MAX_PAGE_SIZE);
    expect(first.isDone).toBe(false);
    expect(first.page[0]?.text).toBe("message 150");
    expect(first.page.map((m) => m.createdAt)).toEqual([...first.page.map((m) => m.createdAt)].sort((a, b) => b - a));
    const second = await t.query(api.app.listMessages, {
      deviceToken,
      sessionKey: sid("main"),
      paginationOpts: { numItems: 10_000, cursor: first.continueCursor },
    });
    expect(second.page).toHaveLength(50);
    expect(second.isDone).toBe(true);
    expect(second.page.at(-1)?.text).toBe("message 1");
  });

  test("a refetch with an endCursor spanning more than the cap is still capped", async () => {
    await fillSession("main");
    const all = await t.query(api.app.listMessages, { deviceToken, sessionKey: sid("main"), paginationOpts: { numItems: 100, cursor: null } });
    const rest = await t.query(api.app.listMessages, { deviceToken, sessionKey: sid("main"), paginationOpts: { numItems: 100, cursor: all.continueCursor } });
    expect(rest.isDone).toBe(true);
    // Ask for the whole range in one page: cursor null up to the last row's position.
    const wide = await t.query(api.app.listMessages, {
      deviceToken,
      sessionKey: sid("main"),
      paginationOpts: { numItems: 1, cursor: null, endCursor: rest.continueCursor, maximumRowsRead: 100_000 },
    });
    expect(wide.page.length).toBeLessThanOrEqual(L.MAX_PAGE_SIZE);
  });

  test("small pages work and numItems below 1 is a BAD_REQUEST", async () => {
    await fillSession("main", 5);
    const two = await t.query(api.app.listMessages, { deviceToken, sessionKey: sid("main"), paginationOpts: { numItems: 2, cursor: null } });
    expect(two.page.map((m) => m.text)).toEqual(["message 5", "message 4"]);
    await expectError(t.query(api.app.listMessages, { deviceToken, sessionKey: sid("main"), paginationOpts: { numItems: 0, cursor: null } }), "BAD_REQUEST");
  });

  test(`a session page never exceeds ${L.MAX_PAGE_SIZE}`, async () => {
    const sessions = Array.from({ length: 130 }, (_, i) => ({ sessionKey: sid(`s-${i}`), updatedAt: i }));
    await t.mutation(api.relay.upsertSessions, { relaySecret, sessions: sessions.slice(0, 100) });
    await t.mutation(api.relay.upsertSessions, { relaySecret, sessions: sessions.slice(100) });
    const first = await t.query(api.app.listSessions, { deviceToken, paginationOpts: { numItems: 500, cursor: null } });
    expect(first.page).toHaveLength(L.MAX_PAGE_SIZE);
    expect(first.page[0]?.sessionKey).toBe(sid("s-129"));
    const second = await t.query(api.app.listSessions, { deviceToken, paginationOpts: { numItems: 500, cursor: first.continueCursor } });
    expect(second.page).toHaveLength(30);
  });

  test(`pendingMessages returns at most ${L.MAX_PENDING_LIMIT}, ${L.DEFAULT_PENDING_LIMIT} by default, oldest first`, async () => {
    // Written directly in one transaction: 520 separate sends would only make the test slow.
    const { instanceId } = await t.query(api.relay.info, { relaySecret });
    await t.run(async (ctx) => {
      for (let i = 0; i < L.MAX_PENDING_LIMIT + 20; i++) {
        await ctx.db.insert("messages", {
          instanceId,
          sessionKey: sid("main"),
          role: "user",
          text: `m ${i}`,
          source: "app",
          status: "queued",
          createdAt: i,
          updatedAt: i,
          clientMessageId: `c-${i}`,
        });
      }
    });
    const all = await t.query(api.relay.pendingMessages, { relaySecret, limit: 100_000 });
    expect(all).toHaveLength(L.MAX_PENDING_LIMIT);
    expect(all[0]?.text).toBe("m 0");
    expect(await t.query(api.relay.pendingMessages, { relaySecret })).toHaveLength(L.DEFAULT_PENDING_LIMIT);
    await expectError(t.query(api.relay.pendingMessages, { relaySecret, limit: 0 }), "BAD_REQUEST");
  });
});

describe("string sizes are checked with BAD_REQUEST", () => {
  const send = async (over: Partial<{ sessionKey: string; sessionKeyEnc: string; clientMessageId: string; text: string }>) =>
    t.mutation(api.app.send, { deviceToken, ...(await sendArgs("main", over.clientMessageId ?? "c-1", "hi")), ...over });
  const sealedText = async (clientMessageId: string, text: string) => (await sendArgs("main", clientMessageId, text)).text;

  test("message text: the envelope of at most 64 KiB of UTF-8", async () => {
    const full = await sealedText("ok", "a".repeat(L.MAX_TEXT_BYTES));
    expect(full.length).toBeLessThanOrEqual(L.MAX_SEALED_TEXT_CHARS);
    await send({ clientMessageId: "ok", text: full });
    const over = await sealedText("over", "a".repeat(L.MAX_TEXT_BYTES + 4));
    const tooLong = await expectError(send({ clientMessageId: "over", text: over }), "BAD_REQUEST");
    expect(tooLong.message).toMatch(new RegExp(`text must be at most ${L.MAX_SEALED_TEXT_CHARS} characters`));
    // 25,000 "€" are 25,000 characters but 75,000 bytes.
    await expectError(send({ clientMessageId: "euro", text: await sealedText("euro", "€".repeat(25_000)) }), "BAD_REQUEST");
    const stream = { relaySecret, sessionKey: sid("main"), runId: "r", state: "streaming" as const };
    await expectError(t.mutation(api.relay.upsertStream, { ...stream, text: "a".repeat(L.MAX_SEALED_TEXT_CHARS + 1) }), "BAD_REQUEST");
    const big = { gatewayMessageId: "g", role: "assistant" as const, text: "a".repeat(L.MAX_SEALED_TEXT_CHARS + 1), timestamp: 1 };
    await expectError(t.mutation(api.relay.ingestTranscript, { relaySecret, sessionKey: sid("main"), messages: [big] }), "BAD_REQUEST");
  });

  test("app.send stores only end-to-end encrypted values: plaintext text, key copy or session key is refused", async () => {
    const plainText = await expectError(send({ text: "hello in the clear" }), "BAD_REQUEST");
    expect(plainText.message).toMatch(/text must be end-to-end encrypted/);
    await expectError(send({ sessionKeyEnc: "agent:main:main" }), "BAD_REQUEST");
    const { sessionKeyEnc: _left, ...withoutKey } = await sendArgs("main", "c-9", "hi");
    expect((await expectError(t.mutation(api.app.send, { deviceToken, ...withoutKey }), "BAD_REQUEST")).message).toMatch(/sessionKeyEnc must be end-to-end encrypted/);
    const plainKey = await expectError(send({ sessionKey: "agent:main:main" }), "BAD_REQUEST");
    expect(plainKey.message).toMatch(/sessionKey must be a session id/);
    expect(await t.run((ctx) => ctx.db.query("messages").collect())).toEqual([]);
  });

  test("keys, ids and names", async () => {
    await expectError(send({ sessionKey: sid("k").repeat(5) }), "BAD_REQUEST");
    await expectError(send({ sessionKey: "" }), "BAD_REQUEST");
    await expectError(send({ clientMessageId: "c".repeat(L.MAX_ID_CHARS + 1) }), "BAD_REQUEST");
    await expectError(t.mutation(api.instances.register, { secret: credential(), name: "n".repeat(L.MAX_NAME_CHARS + 1) }), "BAD_REQUEST");
    await expectError(t.mutation(api.instances.register, { secret: credential(), name: "  " }), "BAD_REQUEST");
    const pairingToken = credential();
    await t.mutation(api.pairing.create, { relaySecret, token: pairingToken });
    const claim = { pairingToken, deviceToken: credential(), deviceName: "Pixel", platform: "android" };
    await expectError(t.action(api.pairing.claim, { ...claim, deviceName: "d".repeat(L.MAX_NAME_CHARS + 1) }), "BAD_REQUEST");
    await expectError(t.action(api.pairing.claim, { ...claim, platform: "p".repeat(L.MAX_PLATFORM_CHARS + 1) }), "BAD_REQUEST");
    await expectError(t.mutation(api.relay.heartbeat, { relaySecret, relayVersion: "v".repeat(65), gatewayConnected: true }), "BAD_REQUEST");
    await expectError(
      t.mutation(api.relay.upsertSessions, { relaySecret, sessions: [{ sessionKey: sid("s"), updatedAt: 1, title: "t".repeat(L.MAX_SEALED_TITLE_CHARS + 1) }] }),
      "BAD_REQUEST",
    );
  });

  test("batch sizes", async () => {
    const sessions = Array.from({ length: L.MAX_SESSIONS_BATCH + 1 }, (_, i) => ({ sessionKey: sid(`s-${i}`), updatedAt: i }));
    await expectError(t.mutation(api.relay.upsertSessions, { relaySecret, sessions }), "BAD_REQUEST");
    const messages = Array.from({ length: L.MAX_INGEST_BATCH + 1 }, (_, i) => ({ gatewayMessageId: `g-${i}`, role: "user" as const, text: "x", timestamp: i }));
    await expectError(t.mutation(api.relay.ingestTranscript, { relaySecret, sessionKey: sid("s"), messages }), "BAD_REQUEST");
    // Nothing of a refused batch was written.
    expect(await t.run((ctx) => ctx.db.query("sessions").collect())).toEqual([]);
  });
});
