/** Whether the spool works, for status and logs: a failure is logged when it starts, not at every retry. */
import type { Logger } from "../logging/logger.js";

/** What failed: appending to the spool file, or replaying it to Convex. */
export type SpoolOperation = "write" | "replay";

export interface SpoolFailure {
  operation: SpoolOperation;
  /** The errno code (ENOSPC, EIO, …) when there is one. */
  code?: string;
  message: string;
  /** When this run of failures began (ms since epoch). */
  since: number;
  attempts: number;
}

/** The spool as `status` shows it. */
export interface SpoolStatus {
  state: "ok" | "failing";
  /** Durable writes neither on disk nor answered by Convex: kept in memory, lost if the process dies. */
  heldWrites: number;
  failure?: SpoolFailure;
}

export class SpoolHealth {
  private readonly failures = new Map<SpoolOperation, SpoolFailure>();

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  isFailing(operation: SpoolOperation): boolean {
    return this.failures.has(operation);
  }

  /** Records a failed attempt; logs only when the operation starts failing or its error changes. */
  failed(operation: SpoolOperation, error: unknown, heldWrites: number): void {
    const code = errnoCode(error);
    const message = error instanceof Error ? error.message : String(error);
    const current = this.failures.get(operation);
    if (current && current.code === code) {
      current.attempts += 1;
      current.message = message;
      return;
    }
    this.failures.set(operation, { operation, ...(code ? { code } : {}), message, since: this.now(), attempts: 1 });
    if (operation === "write") {
      this.logger.error("could not write the spool: holding writes in memory and retrying; the catch-up cursors wait", {
        code: code ?? "unknown",
        error: message,
        heldWrites,
      });
    } else {
      this.logger.error("spool replay failed: retrying with backoff", { code: code ?? "unknown", error: message });
    }
  }

  /** Ends a run of failures (logged once, with how long it lasted). */
  recovered(operation: SpoolOperation, detail: Record<string, unknown> = {}, message?: string): void {
    const failure = this.failures.get(operation);
    if (!failure) return;
    this.failures.delete(operation);
    const what = message ?? (operation === "write" ? "spool writable again" : "spool replay works again");
    this.logger.info(what, { failedForMs: this.now() - failure.since, attempts: failure.attempts, ...detail });
  }

  status(heldWrites: number): SpoolStatus {
    // A write failure matters more than a replay failure: it is the one that can lose data.
    const failure = this.failures.get("write") ?? this.failures.get("replay");
    return failure ? { state: "failing", heldWrites, failure: { ...failure } } : { state: "ok", heldWrites };
  }
}

function errnoCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}
