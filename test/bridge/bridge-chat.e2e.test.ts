/** Bridge e2e: app ↔ real Gateway through the relay process and the local Convex server. */
import { expectTranscriptMatchesConvex, eventually, Pipeline, sessionKey } from "./pipeline.js";

let pipeline: Pipeline;

beforeAll(async () => {
  pipeline = await Pipeline.start();
}, 120_000);

afterAll(async () => {
  await pipeline?.stop();
}, 60_000);

afterEach(() => {
  if (expect.getState().assertionCalls === 0) return;
});

test("1. an app message gets its reply in the app, seen streaming at least twice before the final", async () => {
  const key = sessionKey("chat");
  const watch = pipeline.watch(key);
  const { messageId } = await pipeline.app.send(key, "hello relay [[slow:6]]");
  const rows = await eventually(async () => {
    const all = await pipeline.app.allMessages(key);
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
  await expectTranscriptMatchesConvex(pipeline, key);
}, 90_000);
