/** ConvexWriter memory bound: in-flight writes never pass the limits, however much is offered or replayed. */
import { mkdtemp, rm } from "node:fs/promises";
import { jest } from "@jest/globals";
import os from "node:os";
import path from "node:path";
import { Spool } from "../../src/convex-sync/spool.js";
import { closeSpools, makeWriter, ManualTransport } from "./manual-transport.js";

const dirs: string[] = [];
afterEach(async () => {
  await closeSpools();
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("ConvexWriter in-flight bound under load", () => {
  test.each([
    { bound: "count", limits: { maxInFlightWrites: 4 }, check: (w: { writes: number }) => w.writes <= 4, window: 4 * 1024 * 1024 },
    { bound: "bytes", limits: { maxInFlightBytes: 200 }, check: (w: { bytes: number }) => w.bytes <= 200, window: 200 },
  ])("replaying a previous run's spool stays within the $bound bound", async ({ limits, check, window }) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "fc-overflow-"));
    dirs.push(dir);
    const earlier = new Spool(dir);
    await earlier.append(Array.from({ length: 60 }, (_, n) => ({ fn: "relay:a", args: { n, pad: "z".repeat(40) }, at: n })));
    await earlier.close();

    const spans: number[] = [];
    const read = Spool.prototype.read;
    const reads = jest.spyOn(Spool.prototype, "read").mockImplementation(async function (this: Spool, from = 0, limit) {
      const result = await read.call(this, from, limit);
      spans.push(result.endOffset - from);
      return result;
    });
    const transport = new ManualTransport();
    const { writer, backToDirect } = await makeWriter(transport, limits, dir);
    void writer.write("relay:a", { n: 60 });
    transport.startAnswering();
    await backToDirect();
    expect(transport.sentNumbers()).toEqual(Array.from({ length: 61 }, (_, n) => n));
    // What "Convex" ever held unanswered at once.
    expect(check(transport.peak)).toBe(true);
    expect(transport.peak.writes).toBeGreaterThan(1); // still pipelined, not one at a time
    // The spool is read a window at a time, never all at once into memory.
    reads.mockRestore();
    expect(Math.max(...spans)).toBeLessThanOrEqual(window);
  });

  test.each([
    // `full`: the bound was really reached, so the test is not passing on a window that never filled.
    { bound: "the default count", limits: {}, text: 100, max: { writes: 256, bytes: 4 * 1024 * 1024 }, full: (w: { writes: number }) => w.writes === 256 },
    { bound: "bytes", limits: { maxInFlightBytes: 16 * 1024 }, text: 1000, max: { writes: 256, bytes: 16 * 1024 }, full: (w: { bytes: number }) => w.bytes > 15 * 1024 },
  ])("10,000 writes offered to a stalled Convex never exceed $bound in flight, and all arrive in order", async ({ limits, text, max, full }) => {
    const transport = new ManualTransport();
    const { writer, spool, backToDirect } = await makeWriter(transport, limits);
    const body = "t".repeat(text);
    const writes: Array<Promise<void>> = [];
    for (let n = 0; n < 10_000; n += 1) writes.push(writer.write("relay:ingestTranscript", { n, body }));
    await Promise.all(writes); // every one durable with nothing answered: on disk
    // What "Convex" held unanswered at worst, as the writer charges it.
    expect(transport.peak.writes).toBeLessThanOrEqual(max.writes);
    expect(transport.peak.bytes).toBeLessThanOrEqual(max.bytes);
    expect(full(transport.peak)).toBe(true);
    expect(transport.outstanding).toBe(transport.peak.writes);
    expect(writer.overflowEvents).toBe(1);
    expect((await spool.read()).entries).toHaveLength(10_000);

    transport.startAnswering();
    await backToDirect(1, 20_000);
    expect(transport.peak.writes).toBeLessThanOrEqual(max.writes);
    expect(transport.peak.bytes).toBeLessThanOrEqual(max.bytes);
    expect(transport.sentNumbers()).toEqual(Array.from({ length: 10_000 }, (_, n) => n));
  }, 30_000);
});
