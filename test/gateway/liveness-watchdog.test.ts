/** Unit: silence brings one probe after probeAfterMs; any frame answers it; silence until deadAfterMs is death. */
import { LivenessWatchdog } from "../../src/gateway/liveness-watchdog.js";
import { FakeClock } from "../support/fake-clock.js";

const LIMITS = { probeAfterMs: 5_000, deadAfterMs: 12_000 };

function setup() {
  const clock = new FakeClock();
  const probes: number[] = [];
  const dead: number[] = [];
  const w = new LivenessWatchdog(clock, { probe: () => probes.push(clock.now()), dead: (silent) => dead.push(silent) });
  return { clock, probes, dead, w };
}

test("silence: one probe after probeAfterMs, death after deadAfterMs, then nothing more", () => {
  const { clock, probes, dead, w } = setup();
  const t0 = clock.now();
  w.start(LIMITS);
  clock.advance(4_999);
  expect(probes).toEqual([]);
  clock.advance(1);
  expect(probes).toEqual([t0 + 5_000]);
  expect(w.suspect).toBe(true);
  clock.advance(6_999);
  expect(dead).toEqual([]);
  clock.advance(1);
  expect(dead).toEqual([12_000]);
  expect(probes).toHaveLength(1);
  expect(w.running).toBe(false);
  expect(w.suspect).toBe(false);
  clock.advance(600_000);
  expect(dead).toHaveLength(1);
});

test("an answered probe clears suspicion and restarts the count; frames keep it from probing at all", () => {
  const { clock, probes, dead, w } = setup();
  w.start(LIMITS);
  for (let i = 0; i < 10; i += 1) {
    clock.advance(4_000);
    w.touch();
  }
  expect(probes).toEqual([]);
  clock.advance(5_000);
  expect(probes).toHaveLength(1);
  clock.advance(10);
  w.touch(); // the probe's answer
  expect(w.suspect).toBe(false);
  clock.advance(11_000);
  expect(probes).toHaveLength(2);
  expect(dead).toEqual([]);
  clock.advance(1_010);
  expect(dead).toEqual([12_000]);
});

test("settled() waits while a probe is out and resolves on the next frame or on stop", async () => {
  const { clock, w } = setup();
  w.start(LIMITS);
  await expect(w.settled()).resolves.toBeUndefined();
  clock.advance(5_000);
  let settled = false;
  void w.settled().then(() => (settled = true));
  await Promise.resolve();
  expect(settled).toBe(false);
  w.touch();
  await Promise.resolve();
  expect(settled).toBe(true);

  clock.advance(5_000);
  let stopped = false;
  void w.settled().then(() => (stopped = true));
  w.stop();
  await Promise.resolve();
  expect(stopped).toBe(true);
  expect(clock.pending()).toEqual([]);
});

test("a check that runs late (this process was stopped) probes with a fresh window instead of declaring the Gateway dead", () => {
  const { clock, probes, dead, w } = setup();
  w.start(LIMITS);
  clock.advance(1_000);
  w.touch();
  clock.jump(100_000); // SIGSTOP for 100 s: no timer ran
  clock.advance(0);
  expect(dead).toEqual([]);
  expect(probes).toEqual([clock.now()]);
  w.touch(); // the frames that waited in the socket, read right after the timers
  clock.advance(11_999);
  expect(dead).toEqual([]);
  // Without any frame after the stall, the verdict comes deadAfterMs - probeAfterMs later.
  w.stop();
  w.start(LIMITS);
  clock.jump(100_000);
  clock.advance(0);
  clock.advance(6_999);
  expect(dead).toEqual([]);
  clock.advance(1);
  expect(dead).toEqual([12_000]);
});
