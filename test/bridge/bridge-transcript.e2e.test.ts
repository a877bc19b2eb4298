/**
 * Bridge e2e, real Gateway: long replies end in Convex whole (up to our limit, never shorter than the
 * app saw them stream), though the Gateway's transcript copies cut text at 8,000 characters; and a
 * burst in one session is listed in the transcript's order, each message followed by its reply.
 */
import { clipBytes, LIMITS } from "../../src/bridge/clip.js";
import { longReplyFor } from "../../dev/devkit/stub-model-server.js";
import { transcriptText } from "../../src/gateway/index.js";
import type { AppMessage } from "../../src/app-client/app-client.js";
import { expectTranscriptMatchesConvex, eventually, sessionKey, usePipeline } from "./pipeline.js";

const current = usePipeline();

const GATEWAY_CUT = "...(truncated)...";

async function settledReply(key: string, timeoutMs = 150_000): Promise<AppMessage> {
  return eventually(async () => {
    const reply = (await current().app.allMessages(key)).find((row) => row.role === "assistant" && row.gatewayMessageId);
    if (!reply || reply.status === "streaming") throw new Error(`no settled reply yet: ${JSON.stringify(reply?.status)}`);
    return reply;
  }, timeoutMs);
}

/** The longest text the app's live query showed for a row while it streamed. */
function longestStreamed(history: AppMessage[][], messageId: string): number {
  return Math.max(0, ...history.flatMap((page) => page.filter((row) => row.messageId === messageId && row.status === "streaming").map((row) => row.text.length)));
}

/** The Gateway's own whole copy of a transcript message. */
async function gatewayWholeText(key: string, messageId: string): Promise<string> {
  const result = await current().operator.connection.chatMessageGet({ sessionKey: key, messageId });
  if (!result.ok) throw new Error(`chat.message.get: ${result.unavailableReason}`);
  return transcriptText(result.message);
}

test("a 20,000-character reply ends whole in the app, not cut to the Gateway's 8,000", async () => {
  const key = sessionKey("long");
  const prompt = "a long answer [[long:20000]]";
  const watch = current().watch(key);
  await current().app.send(key, prompt);
  const reply = await settledReply(key);
  watch.stop();
  expect(reply.status).toBe("final");
  expect(reply.text).toBe(longReplyFor(prompt, 20_000));
  expect(reply.text).toBe(await gatewayWholeText(key, reply.gatewayMessageId!));
  expect(reply.text).not.toContain(GATEWAY_CUT);
  expect(reply.gatewayTruncated).toBeUndefined();
  expect(reply.text.length).toBeGreaterThanOrEqual(longestStreamed(watch.history, reply.messageId));
  await expectTranscriptMatchesConvex(current(), key);
}, 200_000);

test("a 200 KB reply ends at our 64 KiB limit with our marker, never shorter than what streamed", async () => {
  const key = sessionKey("huge");
  const prompt = "a huge answer [[long:200000]]";
  const watch = current().watch(key);
  await current().app.send(key, prompt);
  const reply = await settledReply(key);
  watch.stop();
  expect(reply.text).toBe(clipBytes(longReplyFor(prompt, 200_000)));
  expect(Buffer.byteLength(reply.text)).toBeLessThanOrEqual(LIMITS.textBytes);
  expect(Buffer.byteLength(reply.text)).toBeGreaterThan(LIMITS.textBytes - 100);
  expect(reply.text).toMatch(/truncated by fastclaw-relay\]$/);
  expect(reply.gatewayTruncated).toBeUndefined();
  const streamed = longestStreamed(watch.history, reply.messageId);
  expect(streamed).toBeGreaterThan(8_100);
  expect(reply.text.length).toBeGreaterThanOrEqual(streamed);
  await expectTranscriptMatchesConvex(current(), key);
}, 200_000);

test("a 12,000-character message from another channel, and its reply, reach the app whole", async () => {
  const key = sessionKey("cli-long");
  const text = `from the CLI ${"0123456789".repeat(1_200)}`;
  await current().operator.connection.chatSend({ sessionKey: key, message: text, idempotencyKey: `cli-long-${Date.now()}` });
  await settledReply(key);
  const rows = await expectTranscriptMatchesConvex(current(), key);
  const user = rows.find((row) => row.role === "user")!;
  expect(user).toMatchObject({ source: "gateway", status: "mirrored" });
  expect(user.text).toBe(text);
  expect(user.gatewayTruncated).toBeUndefined();
  const reply = rows.find((row) => row.role === "assistant")!;
  expect(reply.text.length).toBeGreaterThan(12_000);
  expect(reply.text).not.toContain(GATEWAY_CUT);
}, 200_000);

test("a burst of app messages in one session is listed exactly as the transcript orders it", async () => {
  const key = sessionKey("burst");
  const texts = ["first", "second", "third", "fourth"].map((word) => `burst ${word}`);
  for (const text of texts) await current().app.send(key, text);
  // The Gateway's queue mode decides how many replies a burst gets: by default ("steer") a message that
  // arrives during a run joins it, so four messages may get fewer than four replies. What the relay
  // promises is the transcript's own order, every message once, and the burst's last reply.
  await eventually(async () => {
    const all = await current().app.allMessages(key);
    const mirrored = all.filter((row) => row.role === "user" && row.gatewayMessageId);
    if (mirrored.length < texts.length) throw new Error(`${mirrored.length} of ${texts.length} messages in the transcript`);
    const last = all.filter((row) => row.role === "user" || row.role === "assistant").at(-1);
    if (last?.role !== "assistant" || !last.gatewayMessageId || last.status === "streaming") throw new Error("the burst's last reply has not settled");
  }, 150_000);
  const rows = await expectTranscriptMatchesConvex(current(), key);
  const history = await current().operator.connection.chatHistory({ sessionKey: key, limit: 100 });
  if (history.kind === "reset") throw new Error("chat.history answered reset for a page");
  const transcript = history.entries.filter((e) => ["user", "assistant"].includes(e.message.role));
  const listed = rows.filter((row) => row.gatewayMessageId).map((row) => row.gatewayMessageId);
  expect(listed).toEqual(transcript.map((e) => e.messageId));
  expect(rows.filter((row) => row.role === "user").map((row) => row.text)).toEqual(texts);
  expect(rows.filter((row) => row.role === "user").every((row) => row.source === "app" && row.status === "delivered")).toBe(true);
  expect(rows.at(-1)?.role).toBe("assistant");
  expect(rows.filter((row) => row.role === "assistant").length).toBeGreaterThanOrEqual(1);
}, 240_000);
