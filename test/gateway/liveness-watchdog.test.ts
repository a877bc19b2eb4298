/** Unit: the liveness watchdog fires after 2× the tick interval of silence, and not while frames keep coming. */
import { LivenessWatchdog } from "../../src/gateway/liveness-watchdog.js";
import { FakeClock } from "../support/fake-clock.js";

test("fires once after the timeout of silence", () => {
  const clock = new FakeClock();
  const fired: number[] = [];
  const w = new LivenessWatchdog(clock, (silent) => fired.push(silent));
  w.start(60_000);
  clock.advance(59_999);
  expect(fired).toEqual([]);
  clock.advance(1);
  expect(fired).toEqual([60_000]);
  clock.advance(600_000);
  expect(fired).toHaveLength(1);
  expect(w.running).toBe(false);
});

test("any activity pushes the deadline out; it fires timeout ms after the last frame", () => {
  const clock = new FakeClock();
  const fired: number[] = [];
  const w = new LivenessWatchdog(clock, (silent) => fired.push(silent));
  w.start(60_000);
  for (let i = 0; i < 10; i += 1) {
    clock.advance(30_000);
    w.touch();
  }
  expect(fired).toEqual([]);
  clock.advance(59_000);
  expect(fired).toEqual([]);
  clock.advance(1_000);
  expect(fired).toEqual([60_000]);
});

test("stop() disarms it", () => {
  const clock = new FakeClock();
  const fired: number[] = [];
  const w = new LivenessWatchdog(clock, (silent) => fired.push(silent));
  w.start(1000);
  w.stop();
  clock.advance(10_000);
  expect(fired).toEqual([]);
  expect(clock.pending()).toEqual([]);
});
