/** SessionSlots: a run whose end is never seen gives its slot back after RUN_SLOT_TIMEOUT_MS. */
import { RUN_SLOT_TIMEOUT_MS, SessionSlots } from "../../src/bridge/session-slots.js";
import { FakeClock } from "../support/fake-clock.js";

test("a run with no end event holds its slot until the timeout, then the waiting side is told", () => {
  const clock = new FakeClock();
  let freed = 0;
  const slots = new SessionSlots(1, () => (freed += 1), clock);
  expect(slots.acquire("A")).toBe(true);
  slots.started("A", "run-1");
  slots.doneSending("A");
  expect(slots.acquire("B")).toBe(false);
  clock.advance(RUN_SLOT_TIMEOUT_MS - 1);
  expect(slots.acquire("B")).toBe(false);
  expect(freed).toBe(0);
  clock.advance(1);
  expect(freed).toBe(1);
  expect(slots.acquire("B")).toBe(true);
});

test("a run that ends in time cancels its timeout", () => {
  const clock = new FakeClock();
  const slots = new SessionSlots(1, () => undefined, clock);
  slots.acquire("A");
  slots.started("A", "run-1");
  slots.doneSending("A");
  slots.runEnded("run-1");
  expect(slots.acquire("B")).toBe(true); // A's slot is free
  expect(clock.pending()).toEqual([]);
});
