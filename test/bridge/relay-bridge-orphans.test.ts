/** After a (re)connect the bridge asks Convex to close replies no live run or busy session owns; time is its injected clock's. */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ChatEvent } from "@openclaw/gateway-protocol";
import { CursorStore } from "../../src/bridge/cursor-store.js";
import { ORPHANED_STREAM_REASON, RelayBridge } from "../../src/bridge/relay-bridge.js";
import { recordingLogger } from "../support/capture-logger.js";
import { FakeClock } from "../support/fake-clock.js";
import { FakeGateway, SubscribingConvex, testBridgeOptions } from "./fakes.js";
import { toChatUpdate } from "../../src/gateway/chat-update.js";

let dir: string;
let bridge: RelayBridge | undefined;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fcr-orphans-"));
});
afterEach(async () => {
  await bridge?.stop();
  bridge = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Connects a bridge and returns once its catch-up is over (it logs "gateway caught up") or failed. */
async function connectedBridge(gateway: FakeGateway, convex: SubscribingConvex, duringCatchUp?: (b: RelayBridge) => void, clock?: FakeClock): Promise<RelayBridge> {
  const { logger, records } = recordingLogger();
  const cursors = new CursorStore(path.join(dir, "cursors.json"), "instance-1");
  await cursors.load();
  const made = new RelayBridge(testBridgeOptions({ gateway, convex, cursors, logger, ...(clock ? { clock } : {}) }));
  bridge = made;
  made.start();
  made.connected({ serverVersion: "test" });
  duringCatchUp?.(made);
  await waitFor(() => records.some((r) => r.message === "gateway caught up"), 10_000);
  return made;
}

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("the bridge did not finish its catch-up in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const delta = (runId: string, sessionKey: string, text: string): ChatEvent =>
  ({ runId, sessionKey, seq: 1, state: "delta", deltaText: text }) as unknown as ChatEvent;

test("keeps busy sessions, sessions whose state is unknown, and its own live runs; asks for the rest to be closed", async () => {
  const gateway = new FakeGateway();
  gateway.sessions = [
    { sessionKey: "busy", updatedAt: 1, hasActiveRun: true },
    { sessionKey: "idle", updatedAt: 1, hasActiveRun: false },
    { sessionKey: "unknown", updatedAt: 1 },
  ];
  const convex = new SubscribingConvex();
  // A run heard from since this connection began is live, even in a session the list calls idle.
  await connectedBridge(gateway, convex, (b) => b.chat(toChatUpdate(delta("run-live", "idle", "hel"))));
  expect(convex.calls("relay:closeOrphanedStreams")).toEqual([
    { keepRunIds: ["run-live"], keepSessionKeys: ["busy", "unknown"], reason: ORPHANED_STREAM_REASON },
  ]);
  // Ordered after the catch-up and session writes, before nothing the outbox sends later.
  const order = convex.writes.map((w) => w.fn);
  expect(order).toContain("relay:upsertSessions");
  expect(order.indexOf("relay:closeOrphanedStreams")).toBeGreaterThan(order.indexOf("relay:upsertSessions"));
});

test("a run is live by the bridge's own clock: one heard since the connect is kept, whatever the system time", async () => {
  const gateway = new FakeGateway();
  gateway.sessions = [{ sessionKey: "idle", updatedAt: 1, hasActiveRun: false }];
  const convex = new SubscribingConvex();
  // Years behind the system clock: a bridge that compared with Date.now() would call the run stale.
  const clock = new FakeClock(1_000_000);
  await connectedBridge(gateway, convex, (b) => b.chat(toChatUpdate(delta("run-live", "idle", "hel"))), clock);
  expect(convex.calls("relay:closeOrphanedStreams")).toEqual([{ keepRunIds: ["run-live"], keepSessionKeys: [], reason: ORPHANED_STREAM_REASON }]);
});

test("the outbox judges a message's age by the bridge's clock, so one written just now is sent", async () => {
  const gateway = new FakeGateway();
  const convex = new SubscribingConvex();
  // Decades behind the system clock: an outbox on Date.now() would drop the message as expired.
  const clock = new FakeClock(1_000_000);
  await connectedBridge(gateway, convex, undefined, clock);
  convex.push("relay:pendingMessages", [{ messageId: "m1", sessionKey: "agent:main:a", text: "hi", runId: "run-m1", createdAt: clock.now() }]);
  await waitFor(() => gateway.sends.length === 1, 10_000);
  expect(gateway.sends.map((s) => s.idempotencyKey)).toEqual(["run-m1"]);
});

test("when the session list could not be read, nothing is closed", async () => {
  const gateway = new FakeGateway();
  gateway.sessionsList = () => Promise.reject(new Error("sessions.list timed out"));
  const convex = new SubscribingConvex();
  await connectedBridge(gateway, convex);
  expect(convex.calls("relay:closeOrphanedStreams")).toEqual([]);
});

test("keep-lists too long for one call: nothing is closed rather than closing live replies", async () => {
  const gateway = new FakeGateway();
  gateway.sessions = Array.from({ length: 1001 }, (_, i) => ({ sessionKey: `s-${i}`, updatedAt: 1, hasActiveRun: true }));
  const convex = new SubscribingConvex();
  await connectedBridge(gateway, convex);
  expect(convex.calls("relay:upsertSessions").length).toBeGreaterThan(0);
  expect(convex.calls("relay:closeOrphanedStreams")).toEqual([]);
});
