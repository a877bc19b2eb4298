import { Outbox, type PendingMessage } from "../../src/bridge/outbox.js";
import { silentLogger } from "../../src/logging/logger.js";
import { FakeClock } from "../support/fake-clock.js";
import { FakeGateway, GatewayRefusal, RecordingConvex, flush } from "./fakes.js";

const NOW = 1_000_000;
const msg = (id: string, sessionKey: string, createdAt = NOW): PendingMessage => ({
  messageId: id,
  sessionKey,
  text: `text of ${id}`,
  runId: `fastclaw-${id}`,
  createdAt,
});

function setup(maxAgeMs = 60_000) {
  const gateway = new FakeGateway();
  const convex = new RecordingConvex();
  const clock = new FakeClock(NOW);
  const outbox = new Outbox({ gateway, convex, logger: silentLogger(), maxAgeMs, retryDelayMs: 10, clock });
  return { gateway, convex, outbox, clock };
}

describe("Outbox", () => {
  test("sends with the row's run id as idempotency key and marks delivered after the ack", async () => {
    const { gateway, convex, outbox } = setup();
    outbox.setReady(true);
    outbox.update([msg("m1", "main")]);
    await flush();
    expect(gateway.sends).toEqual([{ sessionKey: "main", message: "text of m1", idempotencyKey: "fastclaw-m1" }]);
    expect(convex.calls("relay:markDelivered")).toEqual([{ messageId: "m1", runId: "fastclaw-m1" }]);
  });

  test("holds everything until ready (catch-up first), then sends", async () => {
    const { gateway, outbox } = setup();
    outbox.update([msg("m1", "main")]);
    await flush();
    expect(gateway.sends).toHaveLength(0);
    outbox.setReady(true);
    await flush();
    expect(gateway.sends).toHaveLength(1);
  });

  test("one session's messages go out one at a time, in order; the next waits for the previous ack", async () => {
    const { gateway, outbox } = setup();
    const acks: Array<() => void> = [];
    gateway.sendBehaviour = (p) => new Promise((resolve) => acks.push(() => resolve({ runId: p.idempotencyKey, status: "started" })));
    outbox.setReady(true);
    outbox.update([msg("a1", "A", NOW), msg("a2", "A", NOW + 1), msg("b1", "B", NOW)]);
    await flush();
    expect(gateway.sends.map((s) => s.idempotencyKey)).toEqual(["fastclaw-a1", "fastclaw-b1"]);
    acks[0]!();
    await flush();
    await flush();
    expect(gateway.sends.map((s) => s.idempotencyKey)).toEqual(["fastclaw-a1", "fastclaw-b1", "fastclaw-a2"]);
  });

  test("a subscription update that still lists a sent message does not send it again", async () => {
    const { gateway, outbox } = setup();
    outbox.setReady(true);
    outbox.update([msg("m1", "main")]);
    await flush();
    outbox.update([msg("m1", "main")]);
    await flush();
    expect(gateway.sends).toHaveLength(1);
  });

  test("while the gateway is down messages stay queued, and go out when it returns", async () => {
    const { gateway, convex, outbox } = setup();
    gateway.connected = false;
    outbox.setReady(true);
    outbox.update([msg("m1", "main")]);
    await flush();
    expect(convex.writes).toHaveLength(0);
    expect(gateway.sends).toHaveLength(0);
    gateway.connected = true;
    outbox.setReady(true); // the bridge's call once a reconnect's catch-up is done
    await flush();
    expect(convex.calls("relay:markDelivered")).toHaveLength(1);
  });

  test("a message older than the maximum age is marked expired, with a reason, and not sent", async () => {
    const { gateway, convex, outbox } = setup(60_000);
    outbox.setReady(true);
    outbox.update([msg("old", "main", NOW - 61_000)]);
    await flush();
    expect(gateway.sends).toHaveLength(0);
    const [expired] = convex.calls("relay:markExpired");
    expect(expired).toMatchObject({ messageId: "old" });
    expect(String(expired!.reason)).toMatch(/not delivered within 60 s/);
  });

  test("a message that ages out while the gateway is down is expired by its timer", async () => {
    const { gateway, convex, outbox, clock } = setup(1_000);
    gateway.connected = false;
    outbox.setReady(true);
    outbox.update([msg("m1", "main")]);
    clock.advance(999);
    expect(convex.calls("relay:markExpired")).toHaveLength(0);
    clock.advance(100);
    expect(convex.calls("relay:markExpired")).toHaveLength(1);
    // Expired for good: the gateway's return sends nothing.
    gateway.connected = true;
    outbox.setReady(true);
    await flush();
    expect(gateway.sends).toHaveLength(0);
  });

  test("a gateway rejection marks the message failed with the gateway's reason; the next one still goes", async () => {
    const { gateway, convex, outbox } = setup();
    gateway.sendBehaviour = (p) =>
      p.idempotencyKey === "fastclaw-bad"
        ? Promise.reject(new GatewayRefusal("INVALID_REQUEST", "message too large", "rejected"))
        : Promise.resolve({ runId: p.idempotencyKey, status: "started" });
    outbox.setReady(true);
    outbox.update([msg("bad", "main", NOW), msg("good", "main", NOW + 1)]);
    await flush();
    await flush();
    expect(convex.calls("relay:markFailed")).toEqual([{ messageId: "bad", reason: "INVALID_REQUEST: message too large" }]);
    expect(convex.calls("relay:markDelivered")).toEqual([{ messageId: "good", runId: "fastclaw-good" }]);
  });

  test("a transient failure keeps the message and retries it after its pause", async () => {
    const { gateway, convex, outbox, clock } = setup();
    let attempts = 0;
    gateway.sendBehaviour = (p) =>
      ++attempts === 1
        ? Promise.reject(new GatewayRefusal("UNAVAILABLE", "starting", "transient"))
        : Promise.resolve({ runId: p.idempotencyKey, status: "started" });
    outbox.setReady(true);
    outbox.update([msg("m1", "main")]);
    await flush();
    expect(attempts).toBe(1);
    clock.advance(10);
    await flush();
    expect(attempts).toBe(2);
    expect(convex.calls("relay:markDelivered")).toHaveLength(1);
    expect(convex.calls("relay:markFailed")).toHaveLength(0);
  });

  test("a session's messages go in creation order even when the subscription lists a newer one first", async () => {
    const second = setup();
    second.outbox.update([msg("b2", "B", NOW + 1), msg("b1", "B", NOW)]);
    second.outbox.setReady(true);
    await flush();
    await flush();
    expect(second.gateway.sends.map((s) => s.idempotencyKey)).toEqual(["fastclaw-b1", "fastclaw-b2"]);
  });

  test("a row that leaves the queue in Convex while its send is out is not retried when that send fails", async () => {
    const { gateway, convex, outbox, clock } = setup();
    let fail: () => void = () => undefined;
    gateway.sendBehaviour = () => new Promise((_resolve, reject) => (fail = () => reject(new GatewayRefusal("GATEWAY_CONNECTION_LOST", "lost", "transient"))));
    outbox.setReady(true);
    outbox.update([msg("m1", "main")]);
    await flush();
    expect(gateway.sends).toHaveLength(1);
    // A transcript merge settled the row: the subscription no longer lists it.
    outbox.update([]);
    fail();
    await flush();
    clock.advance(60_000);
    await flush();
    expect(gateway.sends).toHaveLength(1);
    expect(convex.writes).toEqual([]);
    // Not even a reconnect, which cuts every pause short, sends it again.
    outbox.setReady(true);
    await flush();
    expect(gateway.sends).toHaveLength(1);
  });

  test("a session pausing after a failure keeps its pause on new rows, and goes at once when the gateway is back", async () => {
    const { gateway, outbox } = setup();
    let refuse = true;
    gateway.sendBehaviour = (p) =>
      refuse ? Promise.reject(new GatewayRefusal("UNAVAILABLE", "busy", "transient")) : Promise.resolve({ runId: p.idempotencyKey, status: "started" });
    outbox.setReady(true);
    outbox.update([msg("a1", "A")]);
    await flush();
    expect(gateway.sends).toHaveLength(1);
    refuse = false;
    outbox.update([msg("a1", "A"), msg("a2", "A", NOW + 1)]);
    await flush();
    expect(gateway.sends).toHaveLength(1);
    outbox.setReady(true); // a reconnect: every paused queue is tried at once
    await flush();
    await flush();
    expect(gateway.sends.map((s) => s.idempotencyKey)).toEqual(["fastclaw-a1", "fastclaw-a1", "fastclaw-a2"]);
  });
});
