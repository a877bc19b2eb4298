/** The Convex writer's boundary: what it needs from a Convex client, its options, and what a stop leaves behind. */
import type { Clock } from "../gateway/clock.js";
import type { Logger } from "../logging/logger.js";
import type { Spool } from "./spool.js";

/** What the writer needs from a Convex client; the real one wraps `ConvexClient`. */
export interface WriteTransport {
  mutation(fn: string, args: Record<string, unknown>): Promise<unknown>;
  isConnected(): boolean;
}

export interface WriteOptions {
  /**
   * False for writes that only say how things are now (presence): never spooled; while they can't
   * go out, the latest one per function waits in memory and is sent the moment they can.
   */
  durable?: boolean;
}

export interface ConvexWriterOptions {
  transport: WriteTransport;
  spool: Spool;
  /** Adds the credential at send time, so neither the spool nor the queue ever holds it. */
  withCredential: (args: Record<string, unknown>) => Record<string, unknown>;
  logger: Logger;
  /** Time and timers (spool retries); the system clock by default. */
  clock?: Clock;
  /** A drain batch unanswered this long while the link is down is abandoned and resent later. */
  drainTimeoutMs?: number;
  drainBatchSize?: number;
  /** Unanswered writes allowed at once (default 256); past it, durable writes overflow to the spool. */
  maxInFlightWrites?: number;
  /** Same, in approximate bytes: JSON length of the arguments (default 4 MiB). */
  maxInFlightBytes?: number;
  /** Called when Convex refuses a write for good (bad credential, bad data): it is dropped. */
  onRejected?: (fn: string, error: unknown) => void;
}

/** What a stop left behind. */
export interface FlushResult {
  /** Everything reached Convex. */
  drained: boolean;
  /** Durable writes that reached neither Convex nor the disk (the spool could not be written). */
  unsaved: number;
}
