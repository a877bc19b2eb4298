import type { WriteTransport } from "../../src/convex-sync/convex-writer.js";
import { closeSpools, makeWriter as makeManualWriter } from "./manual-transport.js";

/** A transport that records what reached "Convex" and can go offline, leaving sends unanswered. */
class FakeTransport implements WriteTransport {
  connected = true;
  received: Array<{ fn: string; args: Record<string, unknown> }> = [];
  private parked: Array<() => void> = [];
  rejectWith: ((fn: string) => unknown) | undefined;

  isConnected(): boolean {
    return this.connected;
  }

  mutation(fn: string, args: Record<string, unknown>): Promise<unknown> {
    const refusal = this.rejectWith?.(fn);
    if (refusal) return Promise.reject(refusal);
    if (!this.connected) {
      // Like ConvexClient: a send into a dead socket just waits.
      return new Promise((resolve) => this.parked.push(() => resolve(undefined)));
    }
    this.received.push({ fn, args });
    return Promise.resolve(null);
  }
}

afterEach(closeSpools);

const makeWriter = (transport: FakeTransport, dir?: string) => makeManualWriter(transport, { drainTimeoutMs: 500 }, dir);

describe("ConvexWriter", () => {
  test("connected: writes go straight through, in order, with the credential added at send time", async () => {
    const transport = new FakeTransport();
    const { writer, spool } = await makeWriter(transport);
    await writer.write("relay:a", { n: 1 });
    await writer.write("relay:b", { n: 2 });
    expect(transport.received).toEqual([
      { fn: "relay:a", args: { n: 1, relaySecret: "s3cret" } },
      { fn: "relay:b", args: { n: 2, relaySecret: "s3cret" } },
    ]);
    expect(await spool.size()).toBe(0);
  });

  test("an outage spools writes durably, without the secret, and replays them in order on reconnect", async () => {
    const transport = new FakeTransport();
    const { writer, spool, backToDirect } = await makeWriter(transport);
    transport.connected = false;
    writer.connectionChanged(false);
    await writer.write("relay:upsertStream", { text: "he", state: "streaming" });
    await writer.write("relay:upsertStream", { text: "hello", state: "final" });
    const onDisk = await spool.read();
    expect(onDisk.entries.map((e) => e.args.text)).toEqual(["he", "hello"]);
    expect(JSON.stringify(onDisk.entries)).not.toContain("s3cret");

    transport.connected = true;
    writer.connectionChanged(true);
    await backToDirect();
    expect(transport.received.map((r) => r.args.text)).toEqual(["he", "hello"]);
    expect(await spool.size()).toBe(0);
    // Back to direct mode: the next write is not spooled.
    await writer.write("relay:markDelivered", { messageId: "m1" });
    expect(transport.received.at(-1)?.fn).toBe("relay:markDelivered");
  });

  test("writes in flight when the link drops are copied to the spool ahead of newer writes", async () => {
    const transport = new FakeTransport();
    const { writer, spool } = await makeWriter(transport);
    transport.connected = false; // the socket died but nobody has noticed yet
    const inFlight = writer.write("relay:ingestTranscript", { n: 1 });
    writer.connectionChanged(false);
    await inFlight; // settles once the spool holds it
    await writer.write("relay:ingestTranscript", { n: 2 });
    expect((await spool.read()).entries.map((e) => e.args.n)).toEqual([1, 2]);
  });

  test("a spool left by a previous process is replayed at start, before anything new", async () => {
    const transport = new FakeTransport();
    transport.connected = false;
    const first = await makeWriter(transport);
    await first.writer.write("relay:ingestTranscript", { n: 1 });
    await first.spool.close();

    const restarted = new FakeTransport();
    const second = await makeWriter(restarted, first.spoolDir);
    await second.writer.write("relay:ingestTranscript", { n: 2 });
    await second.backToDirect();
    // The earlier run's write first, though the new one was made before the replay got to it.
    expect(restarted.received.map((r) => r.args.n)).toEqual([1, 2]);
  });

  test("non-durable writes (presence) are never spooled while offline", async () => {
    const transport = new FakeTransport();
    const { writer, spool } = await makeWriter(transport);
    transport.connected = false;
    writer.connectionChanged(false);
    await writer.write("relay:heartbeat", {}, { durable: false });
    expect(await spool.size()).toBe(0);
  });

  test("a write Convex refuses for good is reported and dropped; later writes still flow", async () => {
    const transport = new FakeTransport();
    const refused: string[] = [];
    transport.rejectWith = (fn) => (fn === "relay:bad" ? Object.assign(new Error("no"), { data: { code: "BAD_REQUEST" } }) : undefined);
    const { writer } = await makeManualWriter(transport, { onRejected: (fn) => refused.push(fn) });
    await writer.write("relay:bad", {});
    await writer.write("relay:good", {});
    expect(refused).toEqual(["relay:bad"]);
    expect(transport.received.map((r) => r.fn)).toEqual(["relay:good"]);
  });

  test("flush copies unanswered writes to the spool when Convex is gone, so a stop loses nothing", async () => {
    const transport = new FakeTransport();
    const { writer, spool } = await makeWriter(transport);
    transport.connected = false;
    void writer.write("relay:upsertStream", { text: "partial" });
    const result = await writer.flush(200);
    expect(result.drained).toBe(false);
    expect((await spool.read()).entries.map((e) => e.args.text)).toContain("partial");
  });
});
