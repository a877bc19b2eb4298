/** ConvexWriter when the spool can't be written (full disk): nothing counts as durable until it is, nothing is lost or reordered. */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ConvexWriter } from "../../src/convex-sync/convex-writer.js";
import { Spool } from "../../src/convex-sync/spool.js";
import { FakeClock } from "../support/fake-clock.js";
import { recordingLogger } from "../support/capture-logger.js";
import { FaultyFs } from "./faulty-fs.js";
import { ManualTransport, pause, waitFor, waitUntilDirect } from "./manual-transport.js";

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function setup(options: { connected?: boolean; spoolDir?: string } = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "fc-diskfull-"));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const fs = new FaultyFs();
  const spool = new Spool(options.spoolDir ?? path.join(dir, "spool"), fs);
  cleanup.push(() => spool.close());
  const transport = new ManualTransport();
  transport.connected = options.connected ?? true;
  const clock = new FakeClock();
  const { logger, records } = recordingLogger();
  const writer = new ConvexWriter({ transport, spool, withCredential: (args) => args, logger, clock, drainTimeoutMs: 30_000 });
  await writer.start();
  const goOffline = () => {
    transport.connected = false;
    writer.connectionChanged(false);
  };
  const goOnline = () => {
    transport.connected = true;
    writer.connectionChanged(true);
  };
  return { dir, fs, spool, transport, clock, writer, records, goOffline, goOnline };
}

/** A write's promise, and whether it has resolved (i.e. the writer calls it durable). */
function tracked(promise: Promise<void>) {
  const state = { durable: false, promise };
  void promise.then(() => (state.durable = true));
  return state;
}

const logged = (records: Array<Record<string, unknown>>, text: string) => records.filter((r) => String(r.message).includes(text));
const spooledNumbers = async (spool: Spool) => (await spool.read()).entries.map((entry) => entry.args.n);

test("a write the full disk refuses is not durable until the disk takes it; retries back off; the failure is logged once", async () => {
  const { fs, spool, transport, clock, writer, records, goOffline, goOnline } = await setup();
  goOffline();
  fs.full = true;
  const writes = [1, 2, 3].map((n) => tracked(writer.write("relay:ingestTranscript", { n })));
  await waitFor(() => writer.spoolStatus.state === "failing");
  await pause();
  expect(writes.map((w) => w.durable)).toEqual([false, false, false]);
  expect(writer.spooledWrites).toBe(0);
  expect(writer.spoolStatus).toMatchObject({ state: "failing", heldWrites: 3, failure: { operation: "write", code: "ENOSPC" } });
  expect(await spool.read()).toEqual({ entries: [], endOffset: 0, skipped: 0 }); // no half line left behind

  // Backoff: about 250 ms, then 500, then 1000 (±20 % jitter), never a tight loop.
  const delays: number[] = [];
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const [delay] = clock.pending();
    delays.push(delay!);
    const attempts = fs.appendAttempts;
    clock.advance(delay!);
    await waitFor(() => fs.appendAttempts > attempts && clock.pending().length > 0);
  }
  expect(delays[0]).toBeGreaterThanOrEqual(200);
  expect(delays[0]).toBeLessThanOrEqual(300);
  expect(delays[1]! / delays[0]!).toBeGreaterThan(1.3);
  expect(delays[2]! / delays[1]!).toBeGreaterThan(1.3);
  expect(logged(records, "could not write the spool")).toHaveLength(1);
  expect(writes.some((w) => w.durable)).toBe(false);

  // Space is back: the next retry writes all three, in order, and only then are they durable.
  fs.full = false;
  clock.advance(clock.pending()[0]!);
  await Promise.all(writes.map((w) => w.promise));
  expect(await spooledNumbers(spool)).toEqual([1, 2, 3]);
  expect(writer.spooledWrites).toBe(3);
  expect(writer.spoolStatus).toEqual({ state: "ok", heldWrites: 0 });
  expect(logged(records, "spool writable again")).toHaveLength(1);

  goOnline();
  transport.startAnswering();
  await waitUntilDirect(records);
  expect(transport.sentNumbers()).toEqual([1, 2, 3]);
});

test("new writes queue behind refused ones: nothing reaches the file out of order when space returns", async () => {
  const { fs, spool, clock, writer, goOffline } = await setup();
  goOffline();
  await writer.write("relay:a", { n: 1 });
  fs.full = true;
  const refused = tracked(writer.write("relay:a", { n: 2 }));
  await waitFor(() => writer.spoolStatus.state === "failing");
  fs.full = false; // space returns before the retry, while newer writes arrive
  const later = tracked(writer.write("relay:a", { n: 3 }));
  await pause();
  expect([refused.durable, later.durable]).toEqual([false, false]);
  clock.advance(clock.pending()[0]!);
  await Promise.all([refused.promise, later.promise]);
  expect(await spooledNumbers(spool)).toEqual([1, 2, 3]);
});

test("Convex back while the disk is still full: the held writes go to Convex in order, once each, then writes go direct", async () => {
  const { fs, spool, transport, writer, records, goOffline, goOnline } = await setup();
  goOffline();
  await writer.write("relay:a", { n: 1 }); // on disk before it filled up
  fs.full = true;
  const held = [2, 3, 4].map((n) => tracked(writer.write("relay:a", { n })));
  await waitFor(() => writer.spoolStatus.heldWrites === 3);

  goOnline();
  await waitFor(() => transport.sent.length === 1); // the file first
  transport.answer(1);
  await waitFor(() => transport.sent.length === 4);
  await pause();
  expect(held.some((w) => w.durable)).toBe(false); // sent, not answered: not durable yet
  transport.startAnswering();
  await Promise.all(held.map((w) => w.promise));
  await waitUntilDirect(records);
  expect(transport.sentNumbers()).toEqual([1, 2, 3, 4]);
  expect(writer.spoolStatus).toEqual({ state: "ok", heldWrites: 0 });
  expect(logged(records, "went to Convex")).toHaveLength(1);
  expect(await spool.size()).toBe(0);

  await writer.write("relay:a", { n: 5 });
  expect(transport.sentNumbers()).toEqual([1, 2, 3, 4, 5]);
});

test("writes in flight when the link drops onto a full disk stay not durable until Convex answers them", async () => {
  const { fs, transport, writer, records, goOffline, goOnline } = await setup();
  fs.full = true;
  const inFlight = [1, 2].map((n) => tracked(writer.write("relay:a", { n })));
  goOffline();
  await waitFor(() => writer.spoolStatus.state === "failing");
  await pause();
  expect(inFlight.map((w) => w.durable)).toEqual([false, false]);
  const after = tracked(writer.write("relay:a", { n: 3 }));

  goOnline(); // ConvexClient resends 1 and 2 by itself; the copies are not sent again
  transport.startAnswering();
  await Promise.all([...inFlight, after].map((w) => w.promise));
  await waitUntilDirect(records);
  expect(transport.sentNumbers()).toEqual([1, 2, 3]);
});

test("a stop while the disk is full and Convex away reports the writes it could not save", async () => {
  const { fs, clock, writer, goOffline } = await setup();
  goOffline();
  fs.full = true;
  void writer.write("relay:a", { n: 1 });
  void writer.write("relay:a", { n: 2 });
  await waitFor(() => writer.spoolStatus.heldWrites === 2);
  expect(await clock.runUntil(writer.flush(100), 10, 10_000)).toEqual({ drained: false, unsaved: 2 });
});

test("a stop counts held writes that went to Convex unanswered as unsaved: no copy of them is on disk", async () => {
  const { fs, clock, transport, writer, goOffline, goOnline } = await setup();
  goOffline();
  fs.full = true;
  void writer.write("relay:a", { n: 1 });
  void writer.write("relay:a", { n: 2 });
  await waitFor(() => writer.spoolStatus.heldWrites === 2);
  goOnline();
  await waitFor(() => transport.sent.length === 2); // sent, never answered
  expect(writer.spoolStatus.heldWrites).toBe(0);
  expect(await clock.runUntil(writer.flush(100), 10, 10_000)).toEqual({ drained: false, unsaved: 2 });
});
