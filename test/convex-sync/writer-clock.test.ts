/** ConvexWriter waits on its injected clock: a stop's deadline and an abandoned replay take no real time. */
import { FakeClock } from "../support/fake-clock.js";
import { closeSpools, makeWriter, ManualTransport, spooledNumbers, waitFor } from "./manual-transport.js";

afterEach(closeSpools);

const TEN_MINUTES = 10 * 60_000;

test("a stop waits out its timeout on the writer's clock, then copies the unanswered write to the spool", async () => {
  const transport = new ManualTransport();
  const clock = new FakeClock();
  const { writer, spool } = await makeWriter(transport, { clock });
  void writer.write("relay:a", { n: 1 });
  expect(transport.sentNumbers()).toEqual([1]);

  const started = clock.now();
  // Ten minutes of the writer's time: on the system clock this test would time out long before.
  const result = await clock.runUntil(writer.flush(TEN_MINUTES), 1000, 2 * TEN_MINUTES);
  expect(result).toEqual({ drained: false, unsaved: 0 });
  expect(clock.now() - started).toBeGreaterThanOrEqual(TEN_MINUTES);
  expect(await spooledNumbers(spool)).toEqual([1]);
}, 10_000);

test("a stop returns drained as soon as Convex answers, without waiting for its deadline", async () => {
  const transport = new ManualTransport();
  const clock = new FakeClock();
  const { writer } = await makeWriter(transport, { clock });
  void writer.write("relay:a", { n: 1 });
  const stopping = writer.flush(TEN_MINUTES);
  transport.answerAll();
  expect(await clock.runUntil(stopping, 20, 1000)).toEqual({ drained: true, unsaved: 0 });
  expect(clock.pending()).toEqual([]);
}, 10_000);

test("a replayed batch still unanswered drainTimeoutMs after the link dropped is abandoned on the writer's clock and resent on reconnect", async () => {
  const transport = new ManualTransport();
  transport.connected = false;
  const clock = new FakeClock();
  const { writer, spool } = await makeWriter(transport, { clock, drainTimeoutMs: TEN_MINUTES });
  writer.connectionChanged(false);
  await Promise.all([writer.write("relay:a", { n: 1 }), writer.write("relay:a", { n: 2 })]);
  expect(await spooledNumbers(spool)).toEqual([1, 2]);

  transport.connected = true;
  writer.connectionChanged(true);
  await waitFor(() => transport.sent.length === 2);
  transport.connected = false; // the socket dies with the batch unanswered
  writer.connectionChanged(false);
  clock.advance(TEN_MINUTES);
  await new Promise((resolve) => setImmediate(resolve)); // the drain gives up (promise callbacks only, no I/O)
  transport.connected = true;
  writer.connectionChanged(true);
  // The abandoned batch is sent again from the spool (Convex dedupes; the spool still holds it).
  await waitFor(() => transport.sent.length === 4);
  expect(transport.sentNumbers()).toEqual([1, 2, 1, 2]);
  transport.startAnswering();
  await waitFor(() => transport.outstanding === 0);
}, 10_000);
