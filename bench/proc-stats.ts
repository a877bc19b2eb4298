/** Reads a process's resident memory and CPU time from /proc (Linux), for the relay and the Convex stand-in. */
import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux this runs on (USER_HZ). */
const TICKS_PER_SECOND = 100;

/**
 * VmRSS, VmHWM (peak), and VmRSS split into anonymous memory and file-backed pages (mostly the
 * node binary's, shared with every process running the same binary), in MiB.
 */
export function memoryMiB(pid: number): { rss: number; peak: number; anon: number; file: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
    return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024, anon: kb("RssAnon") / 1024, file: kb("RssFile") / 1024 };
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds used so far. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may contain spaces; fields after ")" are fixed: utime is 14th, stime 15th overall.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** CPU use of some processes over a window, as a percentage of one core each. */
export class CpuWindow {
  private readonly start: Map<number, number>;
  private readonly startedAt = Date.now();

  constructor(private readonly pids: Record<string, number>) {
    this.start = new Map(Object.values(pids).map((pid) => [pid, cpuSeconds(pid)]));
  }

  finish(): Record<string, number> {
    const seconds = (Date.now() - this.startedAt) / 1000;
    const result: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.pids)) {
      result[name] = Math.round(((cpuSeconds(pid) - (this.start.get(pid) ?? 0)) / Math.max(0.001, seconds)) * 100);
    }
    return result;
  }
}
