/** Bridge e2e: the relay is SIGKILLed during delivery and restarted; nothing is lost or doubled. */
import { restartGateway } from "../support/gateway-fixture.js";
import { expectTranscriptMatchesConvex, eventually, sessionKey, streamingReply, usePipeline } from "./pipeline.js";

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
}, 240_000);

test("8. a reply cut by a relay SIGKILL and then a Gateway restart ends settled in the app, not streaming", async () => {
  const key = sessionKey("orphan");
  await current().app.send(key, `a long answer please ${Date.now()} [[slow:60]]`);
  const streaming = await streamingReply(current(), key);
  current().relay!.child.kill("SIGKILL");
  await current().relay!.exited;
  // The Gateway restarts under the run while no relay is there to see it. (The real Gateway recovers
  // the turn and finishes it; a run that dies for good is closed by relay:closeOrphanedStreams,
  // covered in test/convex/messages.test.ts and test/bridge/relay-bridge-orphans.test.ts.)
  await restartGateway();
  await current().operator.connection.waitUntilConnected(90_000);
  await eventually(async () => {
    const sessions = await current().operator.connection.sessionsList({ limit: 200 });
    const row = sessions.sessions.find((session) => session.key === key) as { hasActiveRun?: boolean } | undefined;
    if (row?.hasActiveRun !== false) throw new Error(`session still busy: ${JSON.stringify(row?.hasActiveRun)}`);
  }, 30_000);

  current().spawnRelay();
  await current().waitForRelay(60_000);
  const closed = await eventually(async () => {
    const row = (await current().app.allMessages(key)).find((r) => r.messageId === streaming.messageId);
    if (row?.status === "streaming") throw new Error("the reply is still shown as streaming");
    return row;
  }, 30_000);
  expect(closed).toMatchObject({ role: "assistant", status: expect.stringMatching(/^(error|aborted|final)$/) });
  expect(closed!.text.startsWith(streaming.text)).toBe(true);
  await expectTranscriptMatchesConvex(current(), key);
}, 240_000);
