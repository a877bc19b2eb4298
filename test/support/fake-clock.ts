/** A manual clock for unit tests: `advance(ms)` runs due timers in order. */
import type { Clock, TimerHandle } from "../../src/gateway/clock.js";

export class FakeClock implements Clock {
  private current: number;
  private nextId = 1;
  private timers = new Map<number, { at: number; callback: () => void }>();

  constructor(start = 1_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { at: this.current + Math.max(0, ms), callback });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    if (typeof handle === "object" && handle !== null && "id" in handle && typeof handle.id === "number") {
      this.timers.delete(handle.id);
    }
  }

  /** Pending timers' due times, soonest first (for assertions on scheduled delays). */
  pending(): number[] {
    return [...this.timers.values()].map((t) => t.at - this.current).sort((a, b) => a - b);
  }

  /** Moves time on without running timers, as for a process that was stopped; the next advance() runs them late. */
  jump(ms: number): void {
    this.current += ms;
  }

  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let dueId: number | undefined;
      let dueAt = Infinity;
      for (const [id, timer] of this.timers) {
        if (timer.at <= target && timer.at < dueAt) {
          dueAt = timer.at;
          dueId = id;
        }
      }
      if (dueId === undefined) break;
      const timer = this.timers.get(dueId)!;
      this.timers.delete(dueId);
      // A timer overdue after jump() runs late, at the current time.
      this.current = Math.max(this.current, timer.at);
      timer.callback();
    }
    this.current = target;
  }

  /**
   * Moves time on in steps of `stepMs` until `promise` settles, letting real I/O and promise
   * callbacks run between steps: for code that waits on this clock in a loop (a stop's deadline).
   * Throws once `limitMs` of this clock's time passed without it settling.
   */
  async runUntil<T>(promise: Promise<T>, stepMs: number, limitMs: number): Promise<T> {
    let settled = false;
    const done = promise.finally(() => {
      settled = true;
    });
    for (let passed = 0; !settled; passed += stepMs) {
      if (passed > limitMs) throw new Error(`still pending after ${limitMs} ms of the fake clock`);
      this.advance(stepMs);
      // A real millisecond: enough for file I/O on the thread pool to come back between steps.
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    return done;
  }
}
