/** SessionSlots: a run whose end is never seen gives its slot back after RUN_SLOT_TIMEOUT_MS. */
import { jest } from "@jest/globals";
import { RUN_SLOT_TIMEOUT_MS, SessionSlots } from "../../src/bridge/session-slots.js";

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test("a run with no end event holds its slot until the timeout, then the waiting side is told", () => {
  const freed: number[] = [];
  const slots = new SessionSlots(1, () => freed.push(slots.inUse));
  expect(slots.acquire("A")).toBe(true);
  slots.started("A", "run-1");
  slots.doneSending("A");
  expect(slots.acquire("B")).toBe(false);
  jest.advanceTimersByTime(RUN_SLOT_TIMEOUT_MS - 1);
  expect(slots.inUse).toBe(1);
  jest.advanceTimersByTime(1);
  expect(freed).toEqual([0]);
  expect(slots.acquire("B")).toBe(true);
});
