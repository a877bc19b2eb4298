/** Bridge e2e: the relay is SIGKILLed during delivery and restarted; nothing is lost or doubled. */
import { expectTranscriptMatchesConvex, eventually, Pipeline, sessionKey } from "./pipeline.js";

let pipeline: Pipeline;

beforeAll(async () => {
  pipeline = await Pipeline.start();
}, 120_000);

afterAll(async () => {
  await pipeline?.stop();
}, 60_000);

test("4. SIGKILL of the relay during delivery, then a restart: the message is in the transcript and in Convex exactly once", async () => {
  const key = sessionKey("kill");
  const text = `survive a crash ${Date.now()} [[slow:8]]`;
  const mark = pipeline.operator.events.length;
  const { messageId } = await pipeline.app.send(key, text);
  // The moment the gateway has the message (its transcript append), the relay dies without warning.
  await pipeline.operator.waitFor("session.message", (event) => event.sessionKey === key, 30_000, mark);
  pipeline.relay!.child.kill("SIGKILL");
  await pipeline.relay!.exited;

  pipeline.spawnRelay();
  await pipeline.waitForRelay(60_000);
  const rows = await eventually(async () => {
    const all = await pipeline.app.allMessages(key);
    if (!all.some((r) => r.role === "assistant" && r.status === "final")) throw new Error("no final reply yet");
    return all;
  }, 60_000);
  const users = rows.filter((r) => r.role === "user");
  expect(users).toHaveLength(1);
  expect(users[0]).toMatchObject({ messageId, status: "delivered" });
  const history = await pipeline.operator.connection.chatHistory({ sessionKey: key, limit: 100 });
  const transcriptUsers = history.kind === "page" ? history.entries.filter((e) => e.message.role === "user") : [];
  expect(transcriptUsers).toHaveLength(1);
  await expectTranscriptMatchesConvex(pipeline, key);
}, 150_000);
