/** Everything the bench starts is registered here, so any exit (error, signal, watchdog) stops it: nothing is left running. */

interface Entry {
  name: string;
  stop: () => Promise<void>;
  pid: () => number | undefined;
}

const entries: Entry[] = [];

/** Registers a stopper; returns a function that runs it now and unregisters it. */
export function track(name: string, stop: () => Promise<void>, pid: () => number | undefined = () => undefined): () => Promise<void> {
  const entry: Entry = { name, stop, pid };
  entries.push(entry);
  return async () => {
    const index = entries.indexOf(entry);
    if (index < 0) return;
    entries.splice(index, 1);
    await entry.stop();
  };
}

/** Stops whatever is still registered, newest first; each stop gets `graceMs` before the next one. */
export async function stopAll(graceMs = 20_000): Promise<void> {
  while (entries.length > 0) {
    const entry = entries.pop()!;
    await Promise.race([entry.stop().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
  }
}

// Last resort if the process exits without stopAll (uncaught error): SIGKILL our own children only, by pid.
process.once("exit", () => {
  for (const entry of entries) {
    const pid = entry.pid();
    if (pid === undefined) continue;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});
