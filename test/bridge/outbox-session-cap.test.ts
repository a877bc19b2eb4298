/** The outbox drives at most N sessions at once (a send or the agent run it started); the rest wait, oldest first. */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ChatEvent } from "@openclaw/gateway-protocol";
import { CursorStore } from "../../src/bridge/cursor-store.js";
import { Outbox, type PendingMessage } from "../../src/bridge/outbox.js";
import { RelayBridge } from "../../src/bridge/relay-bridge.js";
import { MAX_CONCURRENT_SESSIONS } from "../../src/bridge/session-slots.js";
import { silentLogger } from "../../src/logging/logger.js";
import { recordingLogger } from "../support/capture-logger.js";
import { FakeClock } from "../support/fake-clock.js";
import { FakeGateway, RecordingConvex, SubscribingConvex, flush, testBridgeOptions } from "./fakes.js";
import { toChatUpdate } from "../../src/gateway/chat-update.js";

const NOW = 1_000_000;
const msg = (id: string, sessionKey: string, createdAt = NOW): PendingMessage => ({
  messageId: id,
  sessionKey,
  text: `text of ${id}`,
  runId: `run-${id}`,
  createdAt,
});

function setup(maxConcurrentSessions?: number) {
  const gateway = new FakeGateway();
  const outbox = new Outbox({
    gateway,
    convex: new RecordingConvex(),
    logger: silentLogger(),
    maxAgeMs: 60 * 60_000,
    retryDelayMs: 10,
    clock: new FakeClock(NOW),
    ...(maxConcurrentSessions !== undefined ? { maxConcurrentSessions } : {}),
  });
  outbox.setReady(true);
  const sent = () => gateway.sends.map((s) => s.idempotencyKey);
  return { gateway, outbox, sent };
}

test(`by default ${MAX_CONCURRENT_SESSIONS} sessions at once: 500 messages to 500 sessions start ${MAX_CONCURRENT_SESSIONS} runs`, async () => {
  const { outbox, sent } = setup();
  outbox.update(Array.from({ length: 500 }, (_, i) => msg(`m${i}`, `s${i}`, NOW + i)));
  await flush();
  await flush();
  expect(sent()).toEqual(Array.from({ length: MAX_CONCURRENT_SESSIONS }, (_, i) => `run-m${i}`));
});

test("a session keeps its slot until the run it started ends; then the oldest waiting session goes next", async () => {
  const { outbox, sent } = setup(2);
  // Arrival order differs from age: c's message is the oldest of the waiting ones.
  outbox.update([msg("a1", "A", NOW), msg("b1", "B", NOW + 1), msg("d1", "D", NOW + 5), msg("c1", "C", NOW + 2)]);
  await flush();
  await flush();
  expect(sent()).toEqual(["run-a1", "run-b1"]);

  outbox.runEnded("unknown-run");
  await flush();
  expect(sent()).toEqual(["run-a1", "run-b1"]);

  outbox.runEnded("run-b1");
  await flush();
  await flush();
  expect(sent()).toEqual(["run-a1", "run-b1", "run-c1"]);
  outbox.runEnded("run-a1");
  await flush();
  await flush();
  expect(sent()).toEqual(["run-a1", "run-b1", "run-c1", "run-d1"]);
});

test("a session holding a slot sends its next message without waiting for a slot", async () => {
  const { outbox, sent } = setup(1);
  outbox.update([msg("a1", "A", NOW), msg("b1", "B", NOW + 1), msg("a2", "A", NOW + 2)]);
  await flush();
  await flush();
  await flush();
  expect(sent()).toEqual(["run-a1", "run-a2"]);
  outbox.runEnded("run-a1");
  await flush();
  expect(sent()).toEqual(["run-a1", "run-a2"]);
  outbox.runEnded("run-a2");
  await flush();
  await flush();
  expect(sent()).toEqual(["run-a1", "run-a2", "run-b1"]);
});

test("a resend that started no run (status ok) and a gateway reconnect don't hold slots", async () => {
  const { gateway, outbox, sent } = setup(1);
  gateway.sendBehaviour = (p) => Promise.resolve({ runId: p.idempotencyKey, status: p.idempotencyKey === "run-a1" ? "ok" : "started" });
  outbox.update([msg("a1", "A", NOW), msg("b1", "B", NOW + 1), msg("c1", "C", NOW + 2)]);
  await flush();
  await flush();
  await flush();
  expect(sent()).toEqual(["run-a1", "run-b1"]);
  // The run's end is lost with the connection: the slot must not stay taken for good.
  outbox.setReady(false);
  outbox.setReady(true);
  await flush();
  await flush();
  expect(sent()).toEqual(["run-a1", "run-b1", "run-c1"]);
});

test("the bridge gives a slot back when the Gateway's chat event says the run ended (relay.maxConcurrentSessions)", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fcr-cap-"));
  const gateway = new FakeGateway();
  const { logger, records } = recordingLogger();
  const cursors = new CursorStore(path.join(dir, "cursors.json"), "instance-1");
  await cursors.load();
  const convex = new SubscribingConvex();
  const bridge = new RelayBridge(testBridgeOptions({ gateway, convex, cursors, logger, maxMessageAgeMs: 60 * 60_000, maxConcurrentSessions: 1 }));
  try {
    bridge.start();
    bridge.connected({ serverVersion: "test" });
    const deadline = Date.now() + 10_000;
    while (!records.some((r) => r.message === "gateway caught up") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    convex.push("relay:pendingMessages", [msg("a1", "agent:main:a", Date.now()), msg("b1", "agent:main:b", Date.now() + 1)]);
    await flush();
    await flush();
    expect(gateway.sends.map((s) => s.idempotencyKey)).toEqual(["run-a1"]);
    const delta: ChatEvent = { runId: "run-a1", sessionKey: "agent:main:a", seq: 1, state: "delta", deltaText: "Hi" } as ChatEvent;
    bridge.chat(toChatUpdate(delta));
    await flush();
    expect(gateway.sends).toHaveLength(1);
    bridge.chat(toChatUpdate({ runId: "run-a1", sessionKey: "agent:main:a", seq: 2, state: "final" } as ChatEvent));
    await flush();
    await flush();
    expect(gateway.sends.map((s) => s.idempotencyKey)).toEqual(["run-a1", "run-b1"]);
  } finally {
    await bridge.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
