/** Gateway → App streaming: folds chat deltas into at most N Convex writes per second per reply. */
import type { ChatUpdate } from "../gateway/chat-update.js";
import { systemClock, type Clock, type TimerHandle } from "../gateway/clock.js";
import type { Logger } from "../logging/logger.js";
import { api } from "../convex-sync/relay-api.js";
import type { ConvexWrites } from "./ports.js";
import { clipBytes, clipChars, LIMITS } from "./clip.js";

export interface StreamCoalescerOptions {
  convex: ConvexWrites;
  logger: Logger;
  /** Writes per second per streaming reply (default 4). */
  writesPerSecond?: number;
  /** Time and timers; the system clock by default. */
  clock?: Clock;
}

/** Runs with no event for this long are forgotten (their transcript row settles them). */
const STALE_AFTER_MS = 10 * 60_000;
/** How often forgotten runs are looked for. */
const SWEEP_EVERY_MS = 60_000;

interface RunState {
  sessionKey: string;
  text: string;
  lastWriteAt: number;
  writtenText: string | undefined;
  timer: TimerHandle | undefined;
  lastEventAt: number;
}

type TerminalState = "final" | "error" | "aborted";

export class StreamCoalescer {
  private readonly runs = new Map<string, RunState>();
  private readonly intervalMs: number;
  private readonly clock: Clock;
  private sweeper: TimerHandle | undefined;

  constructor(private readonly options: StreamCoalescerOptions) {
    this.intervalMs = 1000 / Math.max(0.1, options.writesPerSecond ?? 4);
    this.clock = options.clock ?? systemClock;
    this.scheduleSweep();
  }

  /** The runs this process is streaming right now. */
  get runIds(): string[] {
    return [...this.runs.keys()];
  }

  handle(event: ChatUpdate): void {
    switch (event.state) {
      case "delta": {
        const run = this.run(event.runId, event.sessionKey);
        const piece = event.deltaText ?? "";
        run.text = event.text ?? (event.replace ? piece : run.text + piece);
        this.schedule(event.runId, run);
        return;
      }
      case "final": {
        const run = this.runs.get(event.runId);
        const text = this.terminalText(event, run);
        // A send into a busy session is answered with an empty final for its own run id while the
        // reply streams under another run: that run has no row and must not get one.
        if (!run?.writtenText && text.length === 0) {
          this.forget(event.runId);
          return;
        }
        this.finish(event.runId, event.sessionKey, "final", text);
        return;
      }
      case "aborted": {
        const run = this.runs.get(event.runId);
        this.finish(event.runId, event.sessionKey, "aborted", this.terminalText(event, run));
        return;
      }
      case "error": {
        const run = this.runs.get(event.runId);
        const text = this.terminalText(event, run);
        this.finish(event.runId, event.sessionKey, "error", text, event.error ?? "the agent run failed");
        return;
      }
      default:
        return; // status phases carry no text
    }
  }

  /**
   * After a reconnect: a run we were streaming whose session has no active run any more ended while
   * we couldn't see it (the gateway restarted, or its final fell in the gap). Its row is closed with
   * a reason; if the transcript has its text, the backend already settled the row and this is a no-op.
   */
  interruptInactive(activeSessions: ReadonlySet<string>, lastSeenBefore: number): number {
    let closed = 0;
    for (const [runId, run] of [...this.runs]) {
      // A run heard from since this connection began is alive, whatever the older session list said.
      if (activeSessions.has(run.sessionKey) || run.lastEventAt >= lastSeenBefore) continue;
      this.finish(runId, run.sessionKey, "error", run.text, "interrupted: the Gateway connection dropped during this reply");
      closed += 1;
    }
    return closed;
  }

  /** Writes every pending update now (shutdown). */
  flushAll(): void {
    for (const [runId, run] of this.runs) {
      this.cancelTimer(run);
      if (run.text !== run.writtenText) this.writeStreaming(runId, run);
    }
  }

  stop(): void {
    if (this.sweeper) this.clock.clearTimeout(this.sweeper);
    this.sweeper = undefined;
    for (const run of this.runs.values()) this.cancelTimer(run);
  }

  /**
   * The text a run ends with: the terminal event's message, unless it is a copy the Gateway cut
   * shorter than what already streamed (the app never sees a reply shrink when it completes).
   */
  private terminalText(event: ChatUpdate, run: RunState | undefined): string {
    const streamed = run?.text ?? "";
    if (event.text === undefined) return streamed;
    return event.cut === true && streamed.length > event.text.length ? streamed : event.text;
  }

  private run(runId: string, sessionKey: string): RunState {
    let run = this.runs.get(runId);
    if (!run) {
      run = { sessionKey, text: "", lastWriteAt: Number.NEGATIVE_INFINITY, writtenText: undefined, timer: undefined, lastEventAt: this.clock.now() };
      this.runs.set(runId, run);
    }
    run.lastEventAt = this.clock.now();
    return run;
  }

  private schedule(runId: string, run: RunState): void {
    if (run.timer) return; // a write is already due; it will carry the newest text
    const wait = run.lastWriteAt + this.intervalMs - this.clock.now();
    if (wait <= 0) {
      this.writeStreaming(runId, run);
      return;
    }
    run.timer = this.clock.setTimeout(() => {
      run.timer = undefined;
      if (this.runs.get(runId) === run && run.text !== run.writtenText) this.writeStreaming(runId, run);
    }, wait);
  }

  private writeStreaming(runId: string, run: RunState): void {
    if (run.text.length === 0) return;
    run.lastWriteAt = this.clock.now();
    run.writtenText = run.text;
    void this.options.convex.write(api.relay.upsertStream, { sessionKey: run.sessionKey, runId, text: clipBytes(run.text), state: "streaming" });
  }

  private finish(runId: string, sessionKey: string, state: TerminalState, text: string, error?: string): void {
    this.forget(runId);
    void this.options.convex.write(api.relay.upsertStream, {
      sessionKey,
      runId,
      text: clipBytes(text),
      state,
      ...(error ? { error: clipChars(error, LIMITS.reason) } : {}),
    });
  }

  private forget(runId: string): void {
    const run = this.runs.get(runId);
    if (run) this.cancelTimer(run);
    this.runs.delete(runId);
  }

  private cancelTimer(run: RunState): void {
    if (run.timer) this.clock.clearTimeout(run.timer);
    run.timer = undefined;
  }

  private scheduleSweep(): void {
    this.sweeper = this.clock.setTimeout(() => {
      this.sweep();
      this.scheduleSweep();
    }, SWEEP_EVERY_MS);
  }

  private sweep(): void {
    const cutoff = this.clock.now() - STALE_AFTER_MS;
    for (const [runId, run] of this.runs) if (run.lastEventAt < cutoff) this.forget(runId);
  }
}
