/** Bridge e2e: the relay is SIGKILLed during delivery and restarted; nothing is lost or doubled. */
import { expectTranscriptMatchesConvex, eventually, sessionKey, usePipeline } from "./pipeline.js";

const current = usePipeline();

test("4. SIGKILL of the relay during delivery, then a restart: the message is in the transcript and in Convex exactly once", async () => {
  const key = sessionKey("kill");
  const text = `survive a crash ${Date.now()} [[slow:8]]`;
  const mark = current().operator.events.length;
  const { messageId } = await current().app.send(key, text);
  // The moment the gateway has the message (its transcript append), the relay dies without warning.
  await current().operator.waitFor("session.message", (event) => event.sessionKey === key, 30_000, mark);
  current().relay!.child.kill("SIGKILL");
  await current().relay!.exited;

  current().spawnRelay();
  await current().waitForRelay(60_000);
  const rows = await eventually(async () => {
    const all = await current().app.allMessages(key);
    if (!all.some((r) => r.role === "assistant" && r.status === "final")) throw new Error("no final reply yet");
    return all;
  }, 60_000);
  const users = rows.filter((r) => r.role === "user");
  expect(users).toHaveLength(1);
  expect(users[0]).toMatchObject({ messageId, status: "delivered" });
  const history = await current().operator.connection.chatHistory({ sessionKey: key, limit: 100 });
  const transcriptUsers = history.kind === "page" ? history.entries.filter((e) => e.message.role === "user") : [];
  expect(transcriptUsers).toHaveLength(1);
  await expectTranscriptMatchesConvex(current(), key);
}, 150_000);
