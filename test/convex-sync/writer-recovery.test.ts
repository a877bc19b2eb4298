/** ConvexWriter after an outage: replay heals whatever the spool's state, retries back off, presence is never dropped. */
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

async function setup(options: { earlier?: number[]; clock?: FakeClock; maxInFlightWrites?: number } = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "fc-recovery-"));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  // Like a relay's first run: the spool directory does not exist until something is spooled.
  const spoolDir = path.join(dir, "spool");
  if (options.earlier) {
    const earlier = new Spool(spoolDir);
    await earlier.append(options.earlier.map((n) => ({ fn: "relay:a", args: { n }, at: n })));
    await earlier.close();
  }
  const fs = new FaultyFs();
  const spool = new Spool(spoolDir, fs);
  cleanup.push(() => spool.close());
  const transport = new ManualTransport();
  const { logger, records } = recordingLogger();
  const writer = new ConvexWriter({
    transport,
    spool,
    withCredential: (args) => args,
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.maxInFlightWrites ? { maxInFlightWrites: options.maxInFlightWrites } : {}),
  });
  await writer.start();
  const goOffline = () => {
    transport.connected = false;
    writer.connectionChanged(false);
  };
  const goOnline = () => {
    transport.connected = true;
    writer.connectionChanged(true);
  };
  return { fs, spool, transport, writer, records, goOffline, goOnline };
}

const errors = (records: Array<Record<string, unknown>>) => records.filter((r) => r.level === "error");
const heartbeats = (transport: ManualTransport) => transport.sent.filter((s) => s.fn === "relay:heartbeat");

test("a short outage on a relay that never spooled heals at once: no spool file or directory needed, nothing fails", async () => {
  const { transport, writer, records, goOffline, goOnline } = await setup();
  transport.startAnswering();
  await writer.write("relay:a", { n: 1 });
  goOffline();
  await pause();
  goOnline();
  await waitUntilDirect(records, 1, 3000);
  void writer.write("relay:heartbeat", { gatewayConnected: true }, { durable: false });
  expect(heartbeats(transport)).toHaveLength(1);
  expect(errors(records)).toEqual([]);
  expect(writer.spoolStatus).toEqual({ state: "ok", heldWrites: 0 });
});

test("a replay that keeps failing retries with growing delays, logs once, reports it, and recovers without resending", async () => {
  const clock = new FakeClock();
  const { fs, transport, writer, records, goOnline } = await setup({ earlier: [1, 2], clock });
  fs.reopenFails = "EIO"; // emptying the replayed file fails
  transport.startAnswering();
  goOnline();
  await waitFor(() => writer.spoolStatus.state === "failing");
  expect(writer.spoolStatus.failure).toMatchObject({ operation: "replay", code: "EIO" });

  const delays: number[] = [];
  for (let attempt = 0; attempt < 3; attempt += 1) {
    await waitFor(() => clock.pending().length > 0);
    const [delay] = clock.pending();
    delays.push(delay!);
    clock.advance(delay!);
    await waitFor(() => writer.spoolStatus.failure?.attempts === attempt + 2);
  }
  expect(delays[0]).toBeLessThanOrEqual(300);
  expect(delays[1]! / delays[0]!).toBeGreaterThan(1.3);
  expect(delays[2]! / delays[1]!).toBeGreaterThan(1.3);
  expect(errors(records).map((r) => r.message)).toEqual(["spool replay failed: retrying with backoff"]);

  fs.reopenFails = undefined;
  await waitFor(() => clock.pending().length > 0);
  clock.advance(clock.pending()[0]!);
  await waitUntilDirect(records);
  expect(transport.sentNumbers()).toEqual([1, 2]); // each once, however many attempts
  expect(writer.spoolStatus).toEqual({ state: "ok", heldWrites: 0 });
  expect(records.filter((r) => r.message === "spool replay works again")).toHaveLength(1);
});

test("presence made while the writer replays the spool goes out at once, not after the replay", async () => {
  const { spool, transport, writer, records } = await setup({ earlier: [1, 2, 3] });
  await waitFor(() => transport.sent.length === 3); // replaying; Convex has not answered yet
  expect(await spool.size()).toBeGreaterThan(0); // the file is emptied only once all three are answered
  void writer.write("relay:heartbeat", { gatewayConnected: true }, { durable: false });
  expect(heartbeats(transport).map((h) => h.args)).toEqual([{ gatewayConnected: true }]);
  transport.startAnswering();
  await waitUntilDirect(records);
  expect(transport.sentNumbers()).toEqual([1, 2, 3, undefined]);
});

test("presence made while offline is sent the moment the link is back: the latest state, once, ahead of the replay", async () => {
  const { transport, writer, records, goOffline, goOnline } = await setup();
  goOffline();
  await writer.write("relay:a", { n: 1 });
  await writer.write("relay:heartbeat", { gatewayConnected: false }, { durable: false });
  await writer.write("relay:heartbeat", { gatewayConnected: true }, { durable: false });
  goOnline();
  transport.startAnswering();
  await waitUntilDirect(records);
  expect(transport.sent.map((s) => [s.fn, s.args])).toEqual([
    ["relay:heartbeat", { gatewayConnected: true }],
    ["relay:a", { n: 1 }],
  ]);
});

test("presence that finds the in-flight window full goes out as soon as there is room", async () => {
  const { transport, writer } = await setup({ maxInFlightWrites: 1 });
  void writer.write("relay:a", { n: 1 });
  await writer.write("relay:heartbeat", { gatewayConnected: true }, { durable: false });
  expect(heartbeats(transport)).toHaveLength(0);
  transport.answer(1);
  await waitFor(() => heartbeats(transport).length === 1);
});
