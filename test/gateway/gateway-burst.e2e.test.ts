/**
 * Real Gateway: a burst of app messages to new sessions that another operator client creates at the
 * same moment. The Gateway refuses many of those chat.send with "session changed before chat.send;
 * retry the request" (INVALID_REQUEST, no details); through the relay's outbox none may end failed.
 */
import { randomUUID } from "node:crypto";
import { GatewayAdapter } from "../../src/bridge/gateway-adapter.js";
import { Outbox, type PendingMessage } from "../../src/bridge/outbox.js";
import type { GatewayFailure, GatewayPort } from "../../src/bridge/ports.js";
import type { ChatEvent } from "../../src/gateway/index.js";
import { silentLogger } from "../../src/logging/logger.js";
import { RecordingConvex } from "../bridge/fakes.js";
import { e2eInfo } from "../support/gateway-fixture.js";
import { relayConnection, type RelayUnderTest } from "../support/relay-connection.js";

const SESSIONS = 30;

let relay: RelayUnderTest;
let other: RelayUnderTest;

beforeAll(async () => {
  const info = e2eInfo();
  const env = { OPENCLAW_GATEWAY_URL: info.gatewayUrl, OPENCLAW_GATEWAY_TOKEN: info.gatewayToken };
  relay = await relayConnection({ env });
  other = await relayConnection({ env, overrides: { clientId: "cli", clientMode: "cli", subscribeSessions: false } });
  await Promise.all([relay.connection.waitUntilConnected(60_000), other.connection.waitUntilConnected(60_000)]);
}, 90_000);

afterAll(async () => {
  await relay?.close();
  await other?.close();
});

async function until(settled: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!settled()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test("chat.send racing another client's creation of the session is retried until delivered, never failed", async () => {
  const adapter = new GatewayAdapter(relay.connection, silentLogger());
  const answers: GatewayFailure[] = [];
  // The adapter as the outbox sees it, recording every chat.send failure on the way.
  const gateway: GatewayPort = {
    isConnected: () => adapter.isConnected(),
    chatSend: async (params) => {
      const result = await adapter.chatSend(params);
      if (!result.ok) answers.push(result.failure);
      return result;
    },
    chatAbort: (params) => adapter.chatAbort(params),
    chatHistory: (params) => adapter.chatHistory(params),
    fullMessageText: (params) => adapter.fullMessageText(params),
    sessionsList: () => adapter.sessionsList(),
  };
  const convex = new RecordingConvex();
  // Every session at once, so the sends really race the creations (the relay's session cap, which waits
  // for each run's end through the bridge's chat events, is not wired into this bare outbox).
  const outbox = new Outbox({ gateway, convex, logger: silentLogger(), maxAgeMs: 120_000, retryDelayMs: 200, maxConcurrentSessions: SESSIONS });
  outbox.setReady(true);

  const from = relay.events.length;
  const tag = randomUUID().slice(0, 6);
  const pending: PendingMessage[] = [];
  const patches = Array.from({ length: SESSIONS }, async (_, i) => {
    const sessionKey = `e2e-burst-${tag}-${i}`;
    // The other client creates the session (sessions.patch on a missing key does) while the app's
    // first message to it goes out: the Gateway authorized that chat.send for a session that was
    // absent and finds it present at admission.
    const patched = other.connection.request("sessions.patch", { key: sessionKey, label: `burst ${i}` });
    await new Promise((resolve) => setTimeout(resolve, 1));
    pending.push({ messageId: `m-${i}`, sessionKey, text: `burst message ${i}`, runId: randomUUID(), createdAt: Date.now() });
    outbox.update([...pending]);
    await patched;
  });
  await Promise.all(patches);

  await until(() => convex.writes.length >= SESSIONS, 60_000);
  const races = answers.filter((failure) => failure.kind === "race");
  process.stderr.write(
    `[e2e] ${SESSIONS} sends racing session creation: ${races.length} race refusals, ${answers.length - races.length} other failures, ` +
      `${convex.calls("relay:markDelivered").length} delivered\n`,
  );
  // The race really happened (else this test proves nothing) …
  expect(races.length).toBeGreaterThan(0);
  expect(answers.length).toBe(races.length);
  // … and every message was delivered with its own key, none failed.
  expect(convex.calls("relay:markFailed")).toEqual([]);
  expect(convex.calls("relay:markDelivered")).toHaveLength(SESSIONS);
  expect(new Set(convex.calls("relay:markDelivered").map((d) => d.runId))).toEqual(new Set(pending.map((m) => m.runId)));

  // Each retried message ran once, to a final reply.
  const runIds = new Set(pending.map((m) => m.runId));
  const finals = () =>
    new Set(
      relay.events
        .slice(from)
        .filter((e) => e.name === "chat")
        .map((e) => e.payload as ChatEvent)
        .filter((e) => e.state === "final" && runIds.has(e.runId))
        .map((e) => e.runId),
    );
  await until(() => finals().size === SESSIONS, 90_000);
  outbox.stop();
}, 180_000);

test("a genuine refusal in the same burst still fails its message at once", async () => {
  const convex = new RecordingConvex();
  const sends: string[] = [];
  const adapter = new GatewayAdapter(relay.connection, silentLogger());
  const gateway: GatewayPort = {
    isConnected: () => adapter.isConnected(),
    chatSend: (params) => {
      sends.push(params.idempotencyKey);
      return adapter.chatSend(params);
    },
    chatAbort: (params) => adapter.chatAbort(params),
    chatHistory: (params) => adapter.chatHistory(params),
    fullMessageText: (params) => adapter.fullMessageText(params),
    sessionsList: () => adapter.sessionsList(),
  };
  const outbox = new Outbox({ gateway, convex, logger: silentLogger(), maxAgeMs: 120_000, retryDelayMs: 200 });
  outbox.setReady(true);
  // An empty message: the Gateway answers INVALID_REQUEST "message or attachment required".
  outbox.update([{ messageId: "empty", sessionKey: `e2e-burst-empty-${randomUUID().slice(0, 6)}`, text: "", runId: randomUUID(), createdAt: Date.now() }]);
  await until(() => convex.writes.length > 0, 30_000);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  expect(sends).toHaveLength(1);
  expect(convex.calls("relay:markFailed")).toEqual([{ messageId: "empty", reason: "INVALID_REQUEST: message or attachment required" }]);
  outbox.stop();
}, 60_000);
