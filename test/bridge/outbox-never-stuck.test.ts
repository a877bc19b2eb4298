/** Unit: no way a chat.send can end leaves an app message queued for good: each ends delivered, failed or expired by its maximum age. */
import { Outbox, type PendingMessage } from "../../src/bridge/outbox.js";
import { silentLogger } from "../../src/logging/logger.js";
import { FakeClock } from "../support/fake-clock.js";
import { FakeGateway, GatewayRefusal, RecordingConvex, flush } from "./fakes.js";

const MAX_AGE_MS = 300;

function setup() {
  const gateway = new FakeGateway();
  const convex = new RecordingConvex();
  const clock = new FakeClock();
  const outbox = new Outbox({ gateway, convex, logger: silentLogger(), maxAgeMs: MAX_AGE_MS, retryDelayMs: 20, clock });
  const message: PendingMessage = { messageId: "m1", sessionKey: "global", text: "hi", runId: "run-m1", createdAt: clock.now() };
  return { gateway, convex, outbox, message, clock };
}

/** How the row ended in Convex, letting up to `ms` of fake time pass for it. */
async function outcome(convex: RecordingConvex, clock: FakeClock, ms = 3_000): Promise<string> {
  for (let passed = 0; passed <= ms; passed += 10) {
    await flush();
    const settled = convex.writes.find((w) => ["relay:markDelivered", "relay:markFailed", "relay:markExpired"].includes(w.fn));
    if (settled) return settled.fn;
    clock.advance(10);
  }
  return "still queued";
}

test("the Gateway goes away while chat.send is in flight and stays away: the message still expires at its maximum age", async () => {
  const { gateway, convex, outbox, message, clock } = setup();
  // The send is under way when the expiry falls due; then the connection drops and does not come back.
  gateway.sendBehaviour = () =>
    new Promise((_resolve, reject) =>
      clock.setTimeout(() => {
        gateway.connected = false;
        reject(new GatewayRefusal("CONNECTION_LOST", "gateway connection lost", "transient"));
      }, MAX_AGE_MS + 100),
    );
  outbox.setReady(true);
  outbox.update([message]);
  expect(await outcome(convex, clock)).toBe("relay:markExpired");
  outbox.stop();
});

test.each([
  ["a refusal", () => Promise.reject(new GatewayRefusal("INVALID_REQUEST", "no such session", "rejected")), "relay:markFailed"],
  ["a transient failure that keeps coming back", () => Promise.reject(new GatewayRefusal("UNAVAILABLE", "busy", "transient")), "relay:markExpired"],
  ["an answer", (p: { idempotencyKey: string }) => Promise.resolve({ runId: p.idempotencyKey, status: "started" }), "relay:markDelivered"],
] as const)("%s settles the row", async (_what, behaviour, settledBy) => {
  const { gateway, convex, outbox, message, clock } = setup();
  gateway.sendBehaviour = behaviour;
  outbox.setReady(true);
  outbox.update([message]);
  expect(await outcome(convex, clock)).toBe(settledBy);
  outbox.stop();
});
