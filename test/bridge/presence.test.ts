/** Presence: changes are reported at once; a stop's goodbye never holds the stop up. */
import { Presence } from "../../src/bridge/presence.js";
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

test("a stop says goodbye but does not wait for a Convex that never answers", async () => {
  const convex = new StalledConvex();
  const presence = new Presence(convex, { relayVersion: "1", gatewayConnected: true }, 60_000);
  presence.start();
  const started = Date.now();
  await presence.stop(100);
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(convex.writes.map((w) => w.fn)).toEqual(["relay:heartbeat", "relay:goingOffline"]);
});
