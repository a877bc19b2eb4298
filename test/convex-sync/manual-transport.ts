/** Test support for ConvexWriter: a Convex stand-in whose answers the test gives by hand. */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ConvexWriter, type ConvexWriterOptions, type WriteTransport } from "../../src/convex-sync/convex-writer.js";
import { sizeOf } from "../../src/convex-sync/in-flight.js";
import { Spool } from "../../src/convex-sync/spool.js";
import { recordingLogger } from "../support/capture-logger.js";

interface Sent {
  fn: string;
  args: Record<string, unknown>;
}

/** What "Convex" holds unanswered, sized as the writer charges it: the arguments without the credential. */
export interface Unanswered {
  writes: number;
  bytes: number;
}

/** A connected "Convex" that answers nothing until the test says so, one mutation at a time. */
export class ManualTransport implements WriteTransport {
  connected = true;
  /** Every mutation the writer handed over, in order. */
  readonly sent: Sent[] = [];
  /** The most writes, and bytes, ever unanswered at once. */
  readonly peak: Unanswered = { writes: 0, bytes: 0 };
  private readonly pending: Array<{ n: unknown; bytes: number; resolve: () => void; reject: (error: unknown) => void }> = [];
  private autoAnswer = false;

  isConnected(): boolean {
    return this.connected;
  }

  mutation(fn: string, args: Record<string, unknown>): Promise<unknown> {
    this.sent.push({ fn, args });
    const { relaySecret: _credential, ...charged } = args;
    const answer = new Promise((resolve, reject) => {
      this.pending.push({ n: args.n, bytes: sizeOf(charged), resolve: () => resolve(null), reject });
      if (this.autoAnswer) setImmediate(() => this.answerAll());
    });
    const now = this.unanswered();
    this.peak.writes = Math.max(this.peak.writes, now.writes);
    this.peak.bytes = Math.max(this.peak.bytes, now.bytes);
    return answer;
  }

  get outstanding(): number {
    return this.pending.length;
  }

  unanswered(): Unanswered {
    return { writes: this.pending.length, bytes: this.pending.reduce((sum, item) => sum + item.bytes, 0) };
  }

  /** Answers the oldest `count` unanswered mutations, as Convex does: in order. */
  answer(count = 1): void {
    for (let i = 0; i < count; i += 1) this.pending.shift()?.resolve();
  }

  answerAll(): void {
    this.answer(this.pending.length);
  }

  /** From now on every mutation is answered shortly after it arrives. */
  startAnswering(): void {
    this.autoAnswer = true;
    this.answerAll();
  }

  refuse(n: number): void {
    const index = this.pending.findIndex((item) => item.n === n);
    const [item] = this.pending.splice(index, 1);
    if (index === -1 || !item) throw new Error(`write ${n} is not pending`);
    item.reject(Object.assign(new Error("no"), { data: { code: "BAD_REQUEST" } }));
  }

  sentNumbers(): unknown[] {
    return this.sent.map((item) => item.args.n);
  }
}

const opened: Spool[] = [];
const made: string[] = [];
/** Call from `afterEach`: closes every spool `makeWriter` opened and deletes the directories it made. */
export async function closeSpools(): Promise<void> {
  await Promise.all(opened.splice(0).map((spool) => spool.close()));
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export async function makeWriter(transport: WriteTransport, options: Partial<ConvexWriterOptions> = {}, dir?: string) {
  const spoolDir = dir ?? (await mkdtemp(path.join(os.tmpdir(), "fc-overflow-")));
  if (!dir) made.push(spoolDir);
  const spool = new Spool(spoolDir);
  opened.push(spool);
  const { logger, records } = recordingLogger();
  const writer = new ConvexWriter({
    transport,
    spool,
    withCredential: (args) => ({ ...args, relaySecret: "s3cret" }),
    logger,
    drainTimeoutMs: 30_000,
    ...options,
  });
  await writer.start();
  /** Resolves once the writer said `times` times that it writes to Convex directly again (spool replayed, overflow over). */
  const backToDirect = (times = 1, ms?: number) => waitUntilDirect(records, times, ms);
  return { writer, spool, spoolDir, records, backToDirect };
}

/** Waits until the writer has logged `times` times that it writes directly again: its spool replayed and emptied. */
export const waitUntilDirect = (records: ReadonlyArray<Record<string, unknown>>, times = 1, ms?: number) =>
  waitFor(() => records.filter((record) => String(record.message).includes("directly again")).length >= times, ms);

export const spooledNumbers = async (spool: Spool) => (await spool.read()).entries.map((entry) => entry.args.n);
export const pause = (ms = 40) => new Promise((resolve) => setTimeout(resolve, ms));
export const waitFor = async (predicate: () => boolean, ms = 5000) => {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await pause(5);
  }
};

