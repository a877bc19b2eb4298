/** The timers convex-test sets for one local server's scheduled functions, so stopping the server clears them. */
import { AsyncLocalStorage } from "node:async_hooks";

// convex-test schedules each `runAfter`/`runAt` with a plain global setTimeout it never clears; cancelling
// the job only marks it. A pairing code's 5-minute expiry or a rate bucket's 15-minute window would then
// hold a stopped server's process open that long. Every call into a server runs inside its own set here,
// and the one process-wide wrapper files the timers made in it.
const owner = new AsyncLocalStorage<ScheduledTimers>();
const INSTALLED = Symbol.for("fastclaw.local-convex.scheduled-timers");

function install(): void {
  const global = globalThis as typeof globalThis & { [INSTALLED]?: true };
  if (global[INSTALLED]) return;
  global[INSTALLED] = true;
  const original = global.setTimeout;
  const wrapped = (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const timers = owner.getStore();
    if (timers === undefined) return original(callback, ms, ...args);
    const handle: ReturnType<typeof setTimeout> = original(
      (...callArgs: unknown[]) => {
        timers.pending.delete(handle);
        callback(...callArgs);
      },
      ms,
      ...args,
    );
    timers.pending.add(handle);
    return handle;
  };
  global.setTimeout = Object.assign(wrapped, original) as typeof setTimeout;
}

export class ScheduledTimers {
  readonly pending = new Set<ReturnType<typeof setTimeout>>();

  /** Runs `call` so that timers it (or anything it starts) sets belong to this server. */
  run<T>(call: () => T): T {
    install();
    return owner.run(this, call);
  }

  /** Clears every timer still pending; returns how many there were. */
  clear(): number {
    const count = this.pending.size;
    for (const handle of this.pending) clearTimeout(handle);
    this.pending.clear();
    return count;
  }
}
