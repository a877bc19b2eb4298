/** ConvexWriter under a slow Convex: bounded in-flight writes, overflow to the spool, order kept. */
import { recordingLogger } from "../support/capture-logger.js";
import { closeSpools, makeWriter, ManualTransport, pause, spooledNumbers, waitFor, waitUntilDirect } from "./manual-transport.js";

afterEach(closeSpools);

describe("ConvexWriter in-flight bound", () => {
  test("by count: past maxInFlightWrites, durable writes go to the spool, not the transport", async () => {
    const transport = new ManualTransport();
    const { writer, spool, backToDirect } = await makeWriter(transport, { maxInFlightWrites: 3 });
    const writes = [1, 2, 3, 4, 5].map((n) => writer.write("relay:ingestTranscript", { n }));
    expect(transport.sentNumbers()).toEqual([1, 2, 3]);
    expect(transport.outstanding).toBe(3);
    expect(writer.overflowEvents).toBe(1);
    // Durable without a single answer: the unanswered ones were copied ahead of the overflow.
    await Promise.all(writes);
    expect(await spooledNumbers(spool)).toEqual([1, 2, 3, 4, 5]);

    transport.startAnswering();
    await backToDirect();
    // The copies of 1–3 were answered already and are not sent again.
    expect(transport.sentNumbers()).toEqual([1, 2, 3, 4, 5]);
    expect(await spool.size()).toBe(0);
    // Overflow is over: the next write goes straight out.
    void writer.write("relay:ingestTranscript", { n: 6 });
    expect(transport.sentNumbers()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test("by bytes: a write that would pass maxInFlightBytes overflows; an oversized one goes alone", async () => {
    const transport = new ManualTransport();
    const pad = "x".repeat(30); // {"n":1,"pad":"xxx…"} is 46 characters: two fit into 100, three do not
    const { writer, backToDirect } = await makeWriter(transport, { maxInFlightWrites: 100, maxInFlightBytes: 100 });
    void writer.write("relay:a", { n: 1, pad });
    void writer.write("relay:a", { n: 2, pad });
    void writer.write("relay:a", { n: 3, pad });
    expect(transport.sentNumbers()).toEqual([1, 2]);
    expect(transport.unanswered().bytes).toBeLessThanOrEqual(100);
    expect(writer.overflowEvents).toBe(1);
    transport.answerAll();
    await waitFor(() => transport.outstanding === 1);
    transport.answerAll();
    await backToDirect();

    // Larger than the whole bound: it may only go out when nothing else is in flight.
    void writer.write("relay:a", { n: 4, pad: "y".repeat(500) });
    void writer.write("relay:a", { n: 5 });
    expect(transport.sentNumbers()).toEqual([1, 2, 3, 4]);
    expect(writer.overflowEvents).toBe(2);
    transport.startAnswering();
    await backToDirect(2);
    expect(transport.sentNumbers()).toEqual([1, 2, 3, 4, 5]);
  });

  test("order across direct → overflow → direct is exactly the order written", async () => {
    const transport = new ManualTransport();
    const { writer, backToDirect } = await makeWriter(transport, { maxInFlightWrites: 2 });
    for (const n of [1, 2, 3, 4]) void writer.write("relay:upsertStream", { n });
    await pause();
    expect(transport.sentNumbers()).toEqual([1, 2]);

    transport.answer(1);
    await pause();
    // 2 is still unanswered: nothing from the spool may overtake it, even with room in the window.
    expect(transport.sentNumbers()).toEqual([1, 2]);
    // Nor may a new write skip the spool while it holds older ones.
    void writer.write("relay:upsertStream", { n: 5 });
    await pause();
    expect(transport.sentNumbers()).toEqual([1, 2]);

    transport.answer(1);
    await waitFor(() => transport.sent.length === 4);
    await pause();
    expect(transport.sentNumbers()).toEqual([1, 2, 3, 4]); // the drain, too, stops at the bound
    transport.answer(2);
    await waitFor(() => transport.sent.length === 5);
    transport.answer(1);
    await backToDirect();

    void writer.write("relay:upsertStream", { n: 6 });
    expect(transport.sentNumbers()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(transport.outstanding).toBe(1); // 6 went directly
  });

  test("non-durable writes (presence) wait in memory while the window is full, never spooled", async () => {
    const transport = new ManualTransport();
    const { writer, spool } = await makeWriter(transport, { maxInFlightWrites: 1 });
    void writer.write("relay:ingestTranscript", { n: 1 });
    await writer.write("relay:heartbeat", { n: 2 }, { durable: false });
    expect(transport.sentNumbers()).toEqual([1]);
    expect(await spool.size()).toBe(0);
    expect(writer.overflowEvents).toBe(0);
  });

  test("a write refused for good while overflowing is reported once, never resent; later ones keep order", async () => {
    const transport = new ManualTransport();
    const refused: string[] = [];
    const { writer, backToDirect } = await makeWriter(transport, { maxInFlightWrites: 2, onRejected: (fn) => refused.push(fn) });
    void writer.write("relay:a", { n: 1 });
    void writer.write("relay:bad", { n: 2 });
    void writer.write("relay:a", { n: 3 }); // overflow
    void writer.write("relay:bad", { n: 4 });
    void writer.write("relay:a", { n: 5 });

    transport.refuse(2); // an in-flight write whose copy sits in the spool
    transport.answer(1);
    await waitFor(() => transport.sent.length === 4);
    transport.refuse(4); // a write refused while being replayed from the spool
    transport.answer(1);
    await waitFor(() => transport.sent.length === 5);
    transport.answer(1);
    await backToDirect();

    expect(refused).toEqual(["relay:bad", "relay:bad"]);
    expect(transport.sentNumbers()).toEqual([1, 2, 3, 4, 5]);
  });

  test("the link dropping while overflowing copies nothing twice nor behind newer writes", async () => {
    const transport = new ManualTransport();
    const { writer, backToDirect, spool } = await makeWriter(transport, { maxInFlightWrites: 2 });
    const early = [1, 2, 3].map((n) => writer.write("relay:a", { n }));
    transport.connected = false;
    writer.connectionChanged(false);
    const late = writer.write("relay:a", { n: 4 });
    await Promise.all([...early, late]);
    expect(await spooledNumbers(spool)).toEqual([1, 2, 3, 4]);

    transport.connected = true;
    writer.connectionChanged(true);
    await pause();
    // ConvexClient resends 1 and 2 by itself; the spool waits for their answers.
    expect(transport.sentNumbers()).toEqual([1, 2]);
    transport.startAnswering();
    await backToDirect();
    expect(transport.sentNumbers()).toEqual([1, 2, 3, 4]);
    expect(await spool.size()).toBe(0);
  });

  test("a replayed batch answered later than drainTimeoutMs is waited for, not sent twice", async () => {
    const transport = new ManualTransport();
    const { writer, backToDirect } = await makeWriter(transport, { maxInFlightWrites: 2, drainTimeoutMs: 30 });
    for (const n of [1, 2, 3, 4, 5]) void writer.write("relay:a", { n });
    transport.answer(2);
    await waitFor(() => transport.sent.length === 4);
    await pause(400); // many timeouts, and past the writer's 250 ms retry
    transport.startAnswering();
    await backToDirect();
    expect(transport.sentNumbers()).toEqual([1, 2, 3, 4, 5]);
  });

  test("flush while overflowing leaves each unanswered write on disk once, in order, for the next run", async () => {
    const transport = new ManualTransport();
    const { writer, spool, spoolDir } = await makeWriter(transport, { maxInFlightWrites: 2 });
    for (const n of [1, 2, 3, 4, 5]) void writer.write("relay:a", { n });
    expect(await writer.flush(100)).toEqual({ drained: false, unsaved: 0 });
    expect(await spooledNumbers(spool)).toEqual([1, 2, 3, 4, 5]);
    await spool.close();

    const next = new ManualTransport();
    next.startAnswering();
    const restarted = await makeWriter(next, { maxInFlightWrites: 2 }, spoolDir);
    void restarted.writer.write("relay:a", { n: 6 });
    await restarted.backToDirect();
    expect(next.sentNumbers()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test("flush while overflowing reports drained once Convex catches up in time", async () => {
    const transport = new ManualTransport();
    const { writer, spool } = await makeWriter(transport, { maxInFlightWrites: 2 });
    for (const n of [1, 2, 3, 4]) void writer.write("relay:a", { n });
    setTimeout(() => transport.startAnswering(), 50);
    expect(await writer.flush(3000)).toEqual({ drained: true, unsaved: 0 });
    expect(transport.sentNumbers()).toEqual([1, 2, 3, 4]);
    expect(await spool.size()).toBe(0);
  });

  test("logs once when overflow starts and once when it ends, at info, with counts only", async () => {
    const transport = new ManualTransport();
    const { logger, records } = recordingLogger();
    const { writer } = await makeWriter(transport, { maxInFlightWrites: 1, logger });
    for (const n of [1, 2, 3]) void writer.write("relay:ingestTranscript", { n, text: "private words" });
    transport.startAnswering();
    await waitUntilDirect(records);
    await waitFor(() => records.length >= 2);

    const overflow = records.filter((record) => String(record.message).includes("overflow"));
    expect(overflow.map((record) => record.level)).toEqual(["info", "info"]);
    expect(overflow[0]).toMatchObject({ inFlight: 1, inFlightBytes: expect.any(Number) });
    expect(overflow[1]).toMatchObject({ spooled: 3, replayed: 2, peakInFlight: 1 });
    expect(JSON.stringify(records)).not.toContain("private words");
  });
});
