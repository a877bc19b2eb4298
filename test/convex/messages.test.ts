/** Messages: app sends, delivery states, streaming replies, aborts, transcript mirroring and idempotency. */
import { jest } from "@jest/globals";
import { api } from "../../convex/_generated/api.js";
import type { TranscriptRow } from "../../convex/lib/transcript.js";
import { type Backend, usePairedBackend } from "./fixtures.js";
import { openText, sendArgs, sid } from "./sealed.js";

let t: Backend;
let relaySecret: string;
let deviceToken: string;
const page = { numItems: 50, cursor: null };

usePairedBackend((env) => ({ t, relaySecret, deviceToken } = env));

const send = async (sessionKey: string, clientMessageId: string, text: string) =>
  t.mutation(api.app.send, { deviceToken, ...(await sendArgs(sessionKey, clientMessageId, text)) });
const messages = async (sessionKey: string) =>
  (await t.query(api.app.listMessages, { deviceToken, sessionKey, paginationOpts: page })).page;
const countRows = () => t.run(async (ctx) => (await ctx.db.query("messages").collect()).length);

test("an app message: queued → delivered, and a settled message never moves again", async () => {
  const { messageId } = await send("main", "c-1", "hello");
  jest.advanceTimersByTime(10);
  const second = await send("main", "c-2", "again");
  expect(await t.query(api.relay.pendingMessages, { relaySecret })).toEqual([
    {
      messageId,
      sessionKey: sid("main"),
      sessionKeyEnc: expect.stringMatching(/^fc1\./),
      text: expect.stringMatching(/^fc1\./),
      clientMessageId: "c-1",
      runId: expect.stringMatching(new RegExp(`^${messageId}-[0-9a-z]+$`)),
      createdAt: expect.any(Number),
    },
    expect.objectContaining({ messageId: second.messageId, clientMessageId: "c-2" }),
  ]);
  const [pending] = await t.query(api.relay.pendingMessages, { relaySecret, limit: 1 });
  expect(await openText({ ...pending!, source: "app" })).toBe("hello");

  expect(await t.mutation(api.relay.markDelivered, { relaySecret, messageId, runId: "run-1" })).toEqual({ status: "delivered" });
  expect(await t.mutation(api.relay.markDelivered, { relaySecret, messageId, runId: "run-1" })).toEqual({ status: "delivered" });
  expect(await t.mutation(api.relay.markFailed, { relaySecret, messageId, reason: "late" })).toEqual({ status: "delivered" });
  expect((await t.query(api.relay.pendingMessages, { relaySecret })).map((m) => m.messageId)).toEqual([second.messageId]);
  const [newest, oldest] = await messages(sid("main"));
  expect(oldest).toMatchObject({ messageId, status: "delivered", runId: "run-1", source: "app", role: "user" });
  expect(newest).toMatchObject({ messageId: second.messageId, status: "queued" });
});

test("queued → failed and queued → expired keep their reason", async () => {
  const a = await send("main", "c-1", "one");
  const b = await send("main", "c-2", "two");
  expect(await t.mutation(api.relay.markFailed, { relaySecret, messageId: a.messageId, reason: "gateway refused" })).toEqual({
    status: "failed",
  });
  expect(await t.mutation(api.relay.markExpired, { relaySecret, messageId: b.messageId, reason: "older than 10 min" })).toEqual({
    status: "expired",
  });
  expect(await t.mutation(api.relay.markDelivered, { relaySecret, messageId: b.messageId, runId: "r" })).toEqual({ status: "expired" });
  const rows = await messages(sid("main"));
  expect(rows.find((m) => m.messageId === a.messageId)).toMatchObject({ status: "failed", error: "gateway refused" });
  expect(rows.find((m) => m.messageId === b.messageId)).toMatchObject({ status: "expired", error: "older than 10 min" });
  expect(await t.query(api.relay.pendingMessages, { relaySecret })).toEqual([]);
});

test("the same clientMessageId twice is one row", async () => {
  const first = await send("main", "retry-me", "hello");
  const again = await send("main", "retry-me", "hello");
  expect(again.messageId).toBe(first.messageId);
  expect(await countRows()).toBe(1);
  expect(await t.query(api.relay.pendingMessages, { relaySecret })).toHaveLength(1);
});

test("a send lists the session at once", async () => {
  await send("agent:main:new", "c-1", "first words");
  const sessions = await t.query(api.app.listSessions, { deviceToken, paginationOpts: page });
  // The key copy comes with it; the preview is the relay's to write (a slice of a ciphertext would not open).
  expect(sessions.page).toEqual([{ sessionKey: sid("agent:main:new"), sessionKeyEnc: expect.stringMatching(/^fc1\./), updatedAt: Date.now() }]);
});

test("a stream row goes streaming → final and never back", async () => {
  const base = { relaySecret, sessionKey: sid("main"), runId: "run-9" };
  expect(await t.query(api.app.streaming, { deviceToken, sessionKey: sid("main") })).toBeNull();
  const { messageId } = await t.mutation(api.relay.upsertStream, { ...base, text: "", state: "streaming" });
  expect(await t.mutation(api.relay.upsertStream, { ...base, text: "Hel", state: "streaming" })).toEqual({ messageId });
  expect(await t.query(api.app.streaming, { deviceToken, sessionKey: sid("main") })).toMatchObject({
    messageId,
    text: "Hel",
    status: "streaming",
    role: "assistant",
    runId: "run-9",
  });
  await t.mutation(api.relay.upsertStream, { ...base, text: "Hello world", state: "final" });
  expect(await t.query(api.app.streaming, { deviceToken, sessionKey: sid("main") })).toBeNull();

  for (const state of ["streaming", "error", "aborted"] as const) {
    expect(await t.mutation(api.relay.upsertStream, { ...base, text: "late delta", state, error: "x" })).toEqual({ messageId });
  }
  expect(await messages(sid("main"))).toEqual([expect.objectContaining({ messageId, status: "final", text: "Hello world" })]);
  expect(await countRows()).toBe(1);
});

test("a stream can end in error with its reason", async () => {
  const base = { relaySecret, sessionKey: sid("main"), runId: "run-e" };
  await t.mutation(api.relay.upsertStream, { ...base, text: "par", state: "streaming" });
  await t.mutation(api.relay.upsertStream, { ...base, text: "part", state: "error", error: "model said 400" });
  expect(await messages(sid("main"))).toEqual([expect.objectContaining({ status: "error", text: "part", error: "model said 400" })]);
});

test("abort: the app asks, the relay sees it, and the request ends with the stream", async () => {
  const base = { relaySecret, sessionKey: sid("main"), runId: "run-a" };
  const { messageId } = await t.mutation(api.relay.upsertStream, { ...base, text: "long", state: "streaming" });
  expect(await t.query(api.relay.abortRequests, { relaySecret })).toEqual([]);
  expect(await t.mutation(api.app.requestAbort, { deviceToken, messageId })).toEqual({ requested: true });
  expect(await t.mutation(api.app.requestAbort, { deviceToken, messageId })).toEqual({ requested: true });
  expect(await t.query(api.relay.abortRequests, { relaySecret })).toEqual([{ messageId, sessionKey: sid("main"), runId: "run-a" }]);
  await t.mutation(api.relay.upsertStream, { ...base, text: "long", state: "aborted" });
  expect(await t.query(api.relay.abortRequests, { relaySecret })).toEqual([]);
  expect(await t.mutation(api.app.requestAbort, { deviceToken, messageId })).toEqual({ requested: false });
  expect((await messages(sid("main")))[0]).toMatchObject({ status: "aborted", abortRequested: true });
});

describe("closeOrphanedStreams (after a relay restart)", () => {
  const stream = (sessionKey: string, runId: string, text: string) =>
    t.mutation(api.relay.upsertStream, { relaySecret, sessionKey: sid(sessionKey), runId, text, state: "streaming" });
  const close = (keepRunIds: string[], keepSessionKeys: string[]) =>
    t.mutation(api.relay.closeOrphanedStreams, { relaySecret, keepRunIds, keepSessionKeys: keepSessionKeys.map(sid), reason: "interrupted: the relay restarted" });

  test("closes every streaming reply not kept by run or session, keeping its text; settled rows never move", async () => {
    await stream("s-orphan", "run-orphan", "half a rep");
    await stream("s-live-run", "run-live", "still going");
    await stream("s-busy", "run-busy", "busy session");
    await t.mutation(api.relay.upsertStream, { relaySecret, sessionKey: sid("s-done"), runId: "run-done", text: "complete", state: "final" });
    const { messageId: appRow } = await send("s-orphan", "c-1", "a question");
    expect(await close(["run-live"], ["s-busy"])).toEqual({ closed: 1 });
    expect(await messages(sid("s-orphan"))).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ runId: "run-orphan", status: "error", text: "half a rep", error: "interrupted: the relay restarted" }),
        expect.objectContaining({ messageId: appRow, status: "queued" }),
      ]),
    );
    expect((await messages(sid("s-live-run")))[0]).toMatchObject({ status: "streaming", text: "still going" });
    expect((await messages(sid("s-busy")))[0]).toMatchObject({ status: "streaming" });
    expect((await messages(sid("s-done")))[0]).toMatchObject({ status: "final", text: "complete" });
    // Idempotent: nothing left to close; a later write to the closed run cannot reopen it.
    expect(await close(["run-live"], ["s-busy"])).toEqual({ closed: 0 });
    await stream("s-orphan", "run-orphan", "half a reply, late");
    expect((await messages(sid("s-orphan"))).find((m) => m.runId === "run-orphan")).toMatchObject({ status: "error", text: "half a rep" });
  });

  test("keep-lists over the limit are refused, and nothing is closed", async () => {
    await stream("s-1", "run-1", "x");
    const tooMany = Array.from({ length: 1001 }, (_, i) => `run-${i}`);
    await expect(close(tooMany, [])).rejects.toThrow(/at most 1000/);
    expect((await messages(sid("s-1")))[0]).toMatchObject({ status: "streaming" });
  });
});

describe("transcript ingestion", () => {
  const ingest = (sessionKey: string, msgs: TranscriptRow[]) => t.mutation(api.relay.ingestTranscript, { relaySecret, sessionKey: sid(sessionKey), messages: msgs });

  test("the same gatewayMessageId twice is one row", async () => {
    const m = { gatewayMessageId: "g-1", seq: 1, role: "user" as const, text: "from the CLI", timestamp: 1_000 };
    expect(await ingest("main", [m])).toEqual({ inserted: 1, merged: 0, skipped: 0 });
    expect(await ingest("main", [m])).toEqual({ inserted: 0, merged: 0, skipped: 1 });
    expect(await ingest("main", [m, m])).toEqual({ inserted: 0, merged: 0, skipped: 2 });
    expect(await messages(sid("main"))).toEqual([
      expect.objectContaining({ gatewayMessageId: "g-1", source: "gateway", status: "mirrored", text: "from the CLI", createdAt: 1_000 }),
    ]);
    expect(await countRows()).toBe(1);
  });

  test("the transcript of the relay's own send merges into the app row", async () => {
    const sent = await sendArgs("main", "c-1", "hi there");
    const { messageId } = await t.mutation(api.app.send, { deviceToken, ...sent });
    await t.mutation(api.relay.markDelivered, { relaySecret, messageId, runId: "run-1" });
    const echo = { gatewayMessageId: "g-1", seq: 4, role: "user" as const, text: "hi there", timestamp: 5, idempotencyKey: "run-1:user" };
    // The gateway canonicalises "main"; the merged row follows it, and takes the relay's copy of the text: the
    // app's ciphertext is bound to the session it was sent to and would not open in the new one.
    expect(await ingest("agent:main:main", [echo])).toEqual({ inserted: 0, merged: 1, skipped: 0 });
    expect(await ingest("agent:main:main", [echo])).toEqual({ inserted: 0, merged: 0, skipped: 1 });
    expect(await messages(sid("agent:main:main"))).toEqual([
      expect.objectContaining({ messageId, gatewayMessageId: "g-1", source: "app", status: "delivered", text: echo.text }),
    ]);
    expect(await countRows()).toBe(1);
  });

  test("merged in its own session, the app row keeps the app's own text", async () => {
    const sent = await sendArgs("agent:main:main", "c-2", "typed by me");
    const { messageId } = await t.mutation(api.app.send, { deviceToken, ...sent });
    await t.mutation(api.relay.markDelivered, { relaySecret, messageId, runId: "run-2" });
    const echo = { gatewayMessageId: "g-2", seq: 1, role: "user" as const, text: "a copy", timestamp: 5, idempotencyKey: "run-2:user" };
    expect(await ingest("agent:main:main", [echo])).toEqual({ inserted: 0, merged: 1, skipped: 0 });
    expect(await messages(sid("agent:main:main"))).toEqual([expect.objectContaining({ messageId, gatewayMessageId: "g-2", text: sent.text })]);
  });

  test("a send whose transcript arrives before markDelivered merges by the runId the backend gave it", async () => {
    const { messageId } = await send("main", "c-1", "quick");
    const [pending] = await t.query(api.relay.pendingMessages, { relaySecret });
    const runId = pending!.runId;
    expect(runId.startsWith(`${messageId}-`)).toBe(true);
    const echo = { gatewayMessageId: "g-7", role: "user" as const, text: "quick", timestamp: 5, idempotencyKey: `${runId}:user` };
    expect(await ingest("main", [echo])).toEqual({ inserted: 0, merged: 1, skipped: 0 });
    expect(await t.query(api.relay.pendingMessages, { relaySecret })).toEqual([]);
    expect(await messages(sid("main"))).toEqual([expect.objectContaining({ messageId, status: "delivered", runId })]);
    expect(await t.mutation(api.relay.markDelivered, { relaySecret, messageId, runId })).toEqual({ status: "delivered" });
  });

  test("an assistant message merges into its run's stream row, which then ignores late stream writes", async () => {
    const base = { relaySecret, sessionKey: sid("main"), runId: "run-2" };
    const { messageId } = await t.mutation(api.relay.upsertStream, { ...base, text: "Hello wor", state: "streaming" });
    const reply = { gatewayMessageId: "g-2", seq: 2, role: "assistant" as const, text: "Hello world!", timestamp: 9, runId: "run-2" };
    expect(await ingest("main", [reply])).toEqual({ inserted: 0, merged: 1, skipped: 0 });
    expect(await t.mutation(api.relay.upsertStream, { ...base, text: "Hello world", state: "final" })).toEqual({ messageId });
    expect(await messages(sid("main"))).toEqual([
      expect.objectContaining({ messageId, gatewayMessageId: "g-2", text: "Hello world!", status: "final" }),
    ]);
    // A second assistant message of the same run is a message of its own.
    const more = { ...reply, gatewayMessageId: "g-3", seq: 3, text: "And more." };
    expect(await ingest("main", [more])).toEqual({ inserted: 1, merged: 0, skipped: 0 });
    expect(await countRows()).toBe(2);
  });

  test("a transcript reply seen before any stream write is the run's row for upsertStream", async () => {
    const reply = { gatewayMessageId: "g-5", role: "assistant" as const, text: "done", timestamp: 9, runId: "run-5" };
    await ingest("main", [reply]);
    await t.mutation(api.relay.upsertStream, { relaySecret, sessionKey: sid("main"), runId: "run-5", text: "do", state: "streaming" });
    expect(await messages(sid("main"))).toEqual([expect.objectContaining({ text: "done", status: "mirrored" })]);
    expect(await t.query(api.app.streaming, { deviceToken, sessionKey: sid("main") })).toBeNull();
  });
});

test("upsertSessions keeps absent fields and lists most recently updated first", async () => {
  await t.mutation(api.relay.upsertSessions, {
    relaySecret,
    sessions: [
      { sessionKey: sid("a"), title: "Alpha", updatedAt: 10, model: "m1", hasActiveRun: false },
      { sessionKey: sid("b"), updatedAt: 20, lastMessagePreview: "hey" },
    ],
  });
  await t.mutation(api.relay.upsertSessions, { relaySecret, sessions: [{ sessionKey: sid("a"), updatedAt: 30, hasActiveRun: true }] });
  const { page: rows } = await t.query(api.app.listSessions, { deviceToken, paginationOpts: page });
  expect(rows).toEqual([
    { sessionKey: sid("a"), title: "Alpha", updatedAt: 30, model: "m1", hasActiveRun: true },
    { sessionKey: sid("b"), updatedAt: 20, lastMessagePreview: "hey" },
  ]);
});
