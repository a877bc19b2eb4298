/** Unit: backoff with jitter, retryAfterMs, shutdown "reconnect soon", and long waits after auth failures. */
import { ReconnectPolicy } from "../../src/gateway/reconnect-policy.js";

const NOW = 1_000_000;
const fixed = (value: number) => () => value;

test("drops back off exponentially to the cap; jitter spreads ±20% around the base", () => {
  const mid = new ReconnectPolicy({ random: fixed(0.5) });
  expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map(() => mid.nextDelay({ kind: "dropped" }, NOW))).toEqual([
    500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
  ]);
  const low = new ReconnectPolicy({ random: fixed(0) });
  const high = new ReconnectPolicy({ random: fixed(0.999999) });
  expect(low.nextDelay({ kind: "dropped" }, NOW)).toBe(400);
  expect(high.nextDelay({ kind: "dropped" }, NOW)).toBe(600);
  expect(low.nextDelay({ kind: "dropped" }, NOW)).toBe(800);
  expect(high.nextDelay({ kind: "dropped" }, NOW)).toBe(1200);
});

test("jitter really varies with the random source, within bounds", () => {
  let seed = 42;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const delays = Array.from({ length: 200 }, () => new ReconnectPolicy({ random }).nextDelay({ kind: "dropped" }, NOW));
  expect(Math.min(...delays)).toBeGreaterThanOrEqual(400);
  expect(Math.max(...delays)).toBeLessThanOrEqual(600);
  expect(new Set(delays).size).toBeGreaterThan(50);
});

test("reset after a hello-ok starts again from the initial delay", () => {
  const p = new ReconnectPolicy({ random: fixed(0.5) });
  p.nextDelay({ kind: "dropped" }, NOW);
  p.nextDelay({ kind: "dropped" }, NOW);
  expect(p.consecutiveFailures).toBe(2);
  p.reset();
  expect(p.nextDelay({ kind: "dropped" }, NOW)).toBe(500);
});

test("retryAfterMs is honoured: never sooner, at most 20% later", () => {
  expect(new ReconnectPolicy({ random: fixed(0) }).nextDelay({ kind: "retryable", retryAfterMs: 500 }, NOW)).toBe(500);
  expect(new ReconnectPolicy({ random: fixed(0.999999) }).nextDelay({ kind: "retryable", retryAfterMs: 500 }, NOW)).toBe(600);
  // Even late in a backoff sequence, the server's shorter hint wins over the exponential delay.
  const p = new ReconnectPolicy({ random: fixed(0) });
  for (let i = 0; i < 6; i += 1) p.nextDelay({ kind: "dropped" }, NOW);
  expect(p.nextDelay({ kind: "retryable", retryAfterMs: 750 }, NOW)).toBe(750);
  // Without a hint, a retryable error backs off like a drop.
  expect(new ReconnectPolicy({ random: fixed(0.5) }).nextDelay({ kind: "retryable" }, NOW)).toBe(500);
});

test("shutdown: reconnect soon, then keep polling at the short interval through the restart window", () => {
  const p = new ReconnectPolicy({ random: fixed(0.5) });
  for (let i = 0; i < 5; i += 1) p.nextDelay({ kind: "dropped" }, NOW);
  expect(p.nextDelay({ kind: "shutdown" }, NOW)).toBe(1000);
  // Connection refused while the Gateway restarts: stays at ~1 s instead of growing.
  for (let t = 1; t <= 30; t += 1) expect(p.nextDelay({ kind: "dropped" }, NOW + t * 1000)).toBe(1000);
  // After the window, normal exponential backoff resumes.
  expect(p.nextDelay({ kind: "dropped" }, NOW + 61_000)).toBe(500);
  expect(p.nextDelay({ kind: "dropped" }, NOW + 62_000)).toBe(1000);
  expect(p.nextDelay({ kind: "dropped" }, NOW + 63_000)).toBe(2000);
});

test("shutdown with restartExpectedMs waits about that long first", () => {
  const p = new ReconnectPolicy({ random: fixed(0.5) });
  expect(p.nextDelay({ kind: "shutdown", restartExpectedMs: 5000 }, NOW)).toBe(5000);
  expect(p.nextDelay({ kind: "dropped" }, NOW + 64_000)).toBe(1000);
});

test("auth failures wait at least 60 s, doubling up to 10 minutes — never a tight loop", () => {
  const p = new ReconnectPolicy({ random: fixed(0) });
  expect([1, 2, 3, 4, 5, 6].map(() => p.nextDelay({ kind: "auth-failed" }, NOW))).toEqual([60000, 120000, 240000, 480000, 600000, 600000]);
  const jittered = new ReconnectPolicy({ random: fixed(0.999999) }).nextDelay({ kind: "auth-failed" }, NOW);
  expect(jittered).toBeGreaterThanOrEqual(60000);
  expect(jittered).toBeLessThanOrEqual(72000);
  expect(new ReconnectPolicy({ random: fixed(0) }).nextDelay({ kind: "fatal" }, NOW)).toBe(60000);
});
