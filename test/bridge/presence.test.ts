/** Presence: changes are reported at once, heartbeats on the injected clock; a stop's goodbye never holds the stop up. */
import { Presence } from "../../src/bridge/presence.js";
import { FakeClock } from "../support/fake-clock.js";
import { RecordingConvex } from "./fakes.js";

/** A Convex that takes writes and never answers (connected but stalled). */
class StalledConvex extends RecordingConvex {
  protected override reply(): Promise<void> {
    return new Promise(() => undefined);
  }
}

test("a change of presence is written at once, as a non-durable write; an unchanged state is not", () => {
  const convex = new StalledConvex();
  const presence = new Presence(convex, { relayVersion: "1", gatewayConnected: false }, 60_000);
  presence.update({ gatewayConnected: true, gatewayVersion: "2026.9" });
  presence.update({ gatewayConnected: true, gatewayVersion: "2026.9" });
  expect(convex.writes).toEqual([
    { fn: "relay:heartbeat", args: { relayVersion: "1", gatewayConnected: true, gatewayVersion: "2026.9" }, durable: false },
  ]);
});

test("heartbeats go out every interval of the presence's clock until the stop", async () => {
  const convex = new StalledConvex();
  const clock = new FakeClock();
  const presence = new Presence(convex, { relayVersion: "1", gatewayConnected: true }, 60_000, clock);
  presence.start();
  clock.advance(59_999);
  expect(convex.calls("relay:heartbeat")).toHaveLength(1);
  clock.advance(1);
  clock.advance(60_000);
  expect(convex.calls("relay:heartbeat")).toHaveLength(3);
  const stopping = presence.stop(2_000);
  clock.advance(2_000);
  await stopping;
  clock.advance(10 * 60_000);
  expect(convex.calls("relay:heartbeat")).toHaveLength(3);
  expect(clock.pending()).toEqual([]);
});

test("a stop says goodbye but waits for a Convex that never answers only its timeout, on the presence's clock", async () => {
  const convex = new StalledConvex();
  const clock = new FakeClock();
  const presence = new Presence(convex, { relayVersion: "1", gatewayConnected: true }, 60_000, clock);
  presence.start();
  let stopped = false;
  const stopping = presence.stop(60_000).then(() => (stopped = true));
  clock.advance(59_999);
  await new Promise((resolve) => setImmediate(resolve));
  expect(stopped).toBe(false);
  clock.advance(1);
  await stopping; // a minute of the clock's time, none of the test's
  expect(convex.writes.map((w) => w.fn)).toEqual(["relay:heartbeat", "relay:goingOffline"]);
}, 10_000);
