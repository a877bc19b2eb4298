/** Bridge e2e: app ↔ real Gateway through the relay process and the local Convex server. */
import { expectTranscriptMatchesConvex, eventually, sessionKey, streamingReply, usePipeline } from "./pipeline.js";

const current = usePipeline();


test("1. an app message gets its reply in the app, seen streaming at least twice before the final", async () => {
  const key = sessionKey("chat");
  const watch = current().watch(key);
  const { messageId } = await current().app.send(key, "hello relay [[slow:6]]");
  const rows = await eventually(async () => {
    const all = await current().app.allMessages(key);
    const reply = all.find((row) => row.role === "assistant" && row.status === "final");
    if (!reply) throw new Error(`no final reply yet: ${JSON.stringify(all.map((r) => [r.role, r.status]))}`);
    return all;
  }, 60_000);
  watch.stop();
  const own = rows.find((row) => row.messageId === messageId);
  expect(own).toMatchObject({ role: "user", status: "delivered", source: "app" });
  const reply = rows.find((row) => row.role === "assistant")!;
  expect(reply.text.length).toBeGreaterThan(0);
  // Distinct streaming texts the app's live query showed for the reply row before it went final.
  const streamingTexts = new Set(
    watch.history.flatMap((page) => page.filter((row) => row.messageId === reply.messageId && row.status === "streaming").map((row) => row.text)),
  );
  expect(streamingTexts.size).toBeGreaterThanOrEqual(2);
  await expectTranscriptMatchesConvex(current(), key);
}, 90_000);

test("6. a message sent by another operator client (another channel) appears in the app once, with its reply", async () => {
  const key = sessionKey("other");
  const text = `from the CLI ${Date.now()}`;
  await current().operator.connection.chatSend({ sessionKey: key, message: text, idempotencyKey: `cli-${Date.now()}` });
  const rows = await eventually(async () => {
    const all = await current().app.allMessages(key);
    if (!all.some((row) => row.role === "assistant" && row.status !== "streaming")) throw new Error("no reply yet");
    return all;
  }, 60_000);
  const users = rows.filter((row) => row.role === "user");
  expect(users).toHaveLength(1);
  expect(users[0]).toMatchObject({ text, source: "gateway", status: "mirrored" });
  await expectTranscriptMatchesConvex(current(), key);
}, 90_000);

test("7. an abort requested by the app stops a slow reply, and the row says aborted", async () => {
  const key = sessionKey("abort");
  await current().app.send(key, "please ramble [[slow:60]]");
  const streaming = await streamingReply(current(), key);
  const askedAt = Date.now();
  await current().app.requestAbort(streaming.messageId);
  const aborted = await eventually(async () => {
    const row = (await current().app.allMessages(key)).find((r) => r.messageId === streaming.messageId);
    if (row?.status !== "aborted") throw new Error(`row is ${row?.status}`);
    return row;
  }, 20_000);
  // 60 chunks at 250 ms would take 15 s; an abort that worked ends it long before.
  expect(Date.now() - askedAt).toBeLessThan(8_000);
  expect(aborted.text.length).toBeGreaterThan(0);
  await expectTranscriptMatchesConvex(current(), key);
}, 90_000);
