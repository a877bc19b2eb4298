/** Real Gateway: chat.send streams deltas and a final, another client's message arrives as session.message, abort stops a slow reply. */
import { randomUUID } from "node:crypto";
import { stubReplyFor } from "../../dev/devkit/stub-model-server.js";
import { transcriptText, type ChatEvent, type TranscriptMessage } from "../../src/gateway/index.js";
import { e2eInfo, stubModelRequests } from "../support/gateway-fixture.js";
import { relayConnection, useConnectedRelay } from "../support/relay-connection.js";

const chatText = (event: ChatEvent): string =>
  "message" in event && event.message && typeof event.message === "object" ? transcriptText(event.message as TranscriptMessage) : "";

const connected = useConnectedRelay();

test("chat.send streams at least two deltas and a final with the stub model's reply", async () => {
  const sessionKey = `e2e-stream-${randomUUID().slice(0, 8)}`;
  const idempotencyKey = randomUUID();
  const from = connected().events.length;
  const started = Date.now();
  const ack = await connected().connection.chatSend({ sessionKey, message: "hello stream", idempotencyKey });
  expect(ack).toMatchObject({ runId: idempotencyKey, status: "started" });

  const final = await connected().waitFor("chat", (e) => e.runId === idempotencyKey && e.state === "final", 60_000, from);
  const deltas = connected().events
    .slice(from)
    .filter((e) => e.name === "chat")
    .map((e) => e.payload as ChatEvent)
    .filter((e) => e.runId === idempotencyKey && e.state === "delta");
  expect(deltas.length).toBeGreaterThanOrEqual(2);
  expect(final.sessionKey).toMatch(new RegExp(`${sessionKey}$`));
  expect(chatText(final)).toBe(stubReplyFor("hello stream"));
  // Deltas are cumulative in `message` and incremental in `deltaText`.
  expect(deltas.map((d) => (d.state === "delta" ? d.deltaText : "")).join("")).toBe(stubReplyFor("hello stream"));
  process.stderr.write(`[e2e] chat.send → final in ${Date.now() - started} ms, ${deltas.length} deltas\n`);

  // Resending the same key starts nothing new.
  const again = await connected().connection.chatSend({ sessionKey, message: "hello stream", idempotencyKey });
  expect(again.status).toBe("ok");
}, 90_000);

test("a message sent by a second operator client arrives as session.message", async () => {
  const info = e2eInfo();
  const other = await relayConnection({
    env: { OPENCLAW_GATEWAY_URL: info.gatewayUrl, OPENCLAW_GATEWAY_TOKEN: info.gatewayToken },
    overrides: { clientId: "cli", clientMode: "cli", subscribeSessions: false },
  });
  try {
    await other.connection.waitUntilConnected(60_000);
    expect(other.connection.deviceId).not.toBe(connected().connection.deviceId);
    const sessionKey = `e2e-other-${randomUUID().slice(0, 8)}`;
    const key = randomUUID();
    const from = connected().events.length;
    await other.connection.chatSend({ sessionKey, message: "from the other client", idempotencyKey: key });

    const userRow = await connected().waitFor(
      "session.message",
      (m) => m.sessionKey.endsWith(sessionKey) && m.message.role === "user",
      60_000,
      from,
    );
    expect(transcriptText(userRow.message)).toBe("from the other client");
    expect(userRow.message.idempotencyKey).toBe(`${key}:user`);
    expect(userRow.messageId).toEqual(expect.any(String));
    expect(userRow.messageSeq).toEqual(expect.any(Number));

    const reply = await connected().waitFor(
      "session.message",
      (m) => m.sessionKey.endsWith(sessionKey) && m.message.role === "assistant",
      60_000,
      from,
    );
    expect(transcriptText(reply.message)).toBe(stubReplyFor("from the other client"));
    expect(reply.runId).toBe(key);
  } finally {
    await other.close();
  }
}, 120_000);

test("chat.abort from the same device stops a slow reply", async () => {
  const sessionKey = `e2e-abort-${randomUUID().slice(0, 8)}`;
  const runId = randomUUID();
  const from = connected().events.length;
  await connected().connection.chatSend({ sessionKey, message: "take your time [[slow:40]]", idempotencyKey: runId });
  await connected().waitFor("chat", (e) => e.runId === runId && e.state === "delta", 60_000, from);

  const abortedAt = Date.now();
  const result = await connected().connection.chatAbort({ sessionKey, runId });
  expect(result).toMatchObject({ ok: true, aborted: true, runIds: [runId] });
  const aborted = await connected().waitFor("chat", (e) => e.runId === runId && e.state === "aborted", 10_000, from);
  process.stderr.write(`[e2e] chat.abort → aborted event in ${Date.now() - abortedAt} ms\n`);
  // The reply was cut short: well under the 40 chunks the model would have streamed (10 s).
  expect(chatText(aborted).length).toBeLessThan(stubReplyFor("take your time").length);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const finals = connected().all("chat").filter((e) => e.runId === runId && e.state === "final");
  expect(finals).toHaveLength(0);
  const modelCall = (await stubModelRequests()).find((r) => r.userText === "take your time [[slow:40]]");
  expect(modelCall?.clientClosedEarly).toBe(true);
}, 90_000);
