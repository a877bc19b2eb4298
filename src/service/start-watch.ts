/** Watches a just-started service until the relay proves itself up (its runtime.json names the running pid) or the service fails. */
import { setTimeout as sleep } from "node:timers/promises";
import { readRuntimeState } from "../runtime/runtime-state.js";

/** The longest `start` waits for a relay to report itself; a loaded machine can take seconds to start node. */
export const START_WATCH_MS = 15_000;
const POLL_MS = 250;

/** What the service manager says about the unit right now; a failure carries the error to report. */
export type UnitHealth = { kind: "failed"; error: Error } | { kind: "up"; pid: number | undefined } | { kind: "starting" };

export interface StartWatch {
  /** Asks the service manager once. */
  probe: () => Promise<UnitHealth>;
  /** The relay's runtime.json: written by `run` once its configuration loaded and it took the run lock. */
  runtimeFile: string;
  /** How long to watch (0: don't). */
  watchMs: number;
  /** A failure seen this early may be the manager between two states of one start (launchd): look again. */
  graceMs?: number;
  wait?: (ms: number) => Promise<unknown>;
  now?: () => number;
}

/**
 * Resolves once the relay has reported itself (runtime.json with the unit's pid), or when the watch ends with the
 * unit still up; throws the probe's error as soon as the unit fails. A fixed pause would miss a relay that fails
 * after it on a loaded machine, and would make every healthy start wait the whole pause.
 */
export async function watchStart(watch: StartWatch): Promise<void> {
  if (watch.watchMs <= 0) return;
  const wait = watch.wait ?? sleep;
  const now = watch.now ?? Date.now;
  const started = now();
  const until = started + watch.watchMs;
  for (;;) {
    const health = await watch.probe();
    if (health.kind === "failed" && (now() - started >= (watch.graceMs ?? 0) || now() >= until)) throw health.error;
    if (health.kind === "up" && health.pid !== undefined && (await reportedBy(watch.runtimeFile, health.pid))) return;
    if (now() >= until) return;
    await wait(POLL_MS);
  }
}

async function reportedBy(file: string, pid: number): Promise<boolean> {
  const state = await readRuntimeState(file).catch(() => undefined);
  return state?.pid === pid;
}
