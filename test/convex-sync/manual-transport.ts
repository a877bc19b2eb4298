/** Test support for ConvexWriter: a Convex stand-in whose answers the test gives by hand. */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ConvexWriter, type ConvexWriterOptions, type WriteTransport } from "../../src/convex-sync/convex-writer.js";
import { Spool } from "../../src/convex-sync/spool.js";
import { silentLogger } from "../../src/logging/logger.js";

interface Sent {
  fn: string;
  args: Record<string, unknown>;
}

/** A connected "Convex" that answers nothing until the test says so, one mutation at a time. */
export class ManualTransport implements WriteTransport {
  connected = true;
  /** Every mutation the writer handed over, in order. */
  readonly sent: Sent[] = [];
  /** Called at each send, after the writer has counted the write as in flight. */
  onSend: (() => void) | undefined;
  private readonly pending: Array<{ n: unknown; resolve: () => void; reject: (error: unknown) => void }> = [];
  private autoAnswer = false;

  isConnected(): boolean {
    return this.connected;
  }

  mutation(fn: string, args: Record<string, unknown>): Promise<unknown> {
    this.sent.push({ fn, args });
    this.onSend?.();
    return new Promise((resolve, reject) => {
      this.pending.push({ n: args.n, resolve: () => resolve(null), reject });
      if (this.autoAnswer) setImmediate(() => this.answerAll());
    });
  }

  get outstanding(): number {
    return this.pending.length;
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
  const writer = new ConvexWriter({
    transport,
    spool,
    withCredential: (args) => ({ ...args, relaySecret: "s3cret" }),
    logger: silentLogger(),
    drainTimeoutMs: 30_000,
    ...options,
  });
  await writer.start();
  return { writer, spool, spoolDir };
}

export const spooledNumbers = async (spool: Spool) => (await spool.read()).entries.map((entry) => entry.args.n);
export const pause = (ms = 40) => new Promise((resolve) => setTimeout(resolve, ms));
export const waitFor = async (predicate: () => boolean, ms = 5000) => {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await pause(5);
  }
};

