/** Live transcript messages: sent at once when the session is quiet, batched while its last write is unanswered. */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CursorStore } from "../../src/bridge/cursor-store.js";
import type { TranscriptRow } from "../../src/gateway/transcript-row.js";
import { TranscriptMirror } from "../../src/bridge/transcript-mirror.js";
import { silentLogger } from "../../src/logging/logger.js";
import { clipBytes, LIMITS } from "../../src/bridge/clip.js";
import { FakeClock } from "../support/fake-clock.js";
import { FakeGateway, flush, RecordingConvex } from "./fakes.js";

/** Convex whose answers the test gives: each write stays unanswered until `answer()`. */
class SlowConvex extends RecordingConvex {
  private waiting: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  protected override reply(): Promise<void> {
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }
  async answer(): Promise<void> {
    this.waiting.shift()?.resolve();
    await flush();
  }
  async fail(): Promise<void> {
    this.waiting.shift()?.reject(new Error("spool unwritable"));
    await flush();
  }
  ids(i: number): string[] {
    return (this.writes[i]!.args.messages as TranscriptRow[]).map((m) => m.gatewayMessageId);
  }
}

let dir: string;
let mirror: TranscriptMirror;
let convex: SlowConvex;
let gateway: FakeGateway;
let clock: FakeClock;
beforeEach(async () => {
  clock = new FakeClock();
  dir = mkdtempSync(path.join(os.tmpdir(), "fcr-mirror-"));
  const cursors = new CursorStore(path.join(dir, "cursors.json"), "i");
  await cursors.load();
  convex = new SlowConvex();
  gateway = new FakeGateway();
  mirror = new TranscriptMirror({ gateway, convex, cursors, logger: silentLogger(), backfillPerSession: 10, clock });
});
afterEach(() => {
  mirror.stop();
  rmSync(dir, { recursive: true, force: true });
});

const msg = (id: string): TranscriptRow => ({ gatewayMessageId: id, role: "user", text: `text ${id}`, timestamp: 1 });

test("a quiet session's message is written at once; a burst behind it goes out as one write, in order", async () => {
  mirror.live("s", msg("a"));
  expect(convex.writes).toHaveLength(1);
  for (const id of ["b", "c", "d"]) mirror.live("s", msg(id));
  expect(convex.writes).toHaveLength(1); // held while "a" is unanswered
  mirror.live("other", msg("x")); // another session is not held up
  expect(convex.writes).toHaveLength(2);
  await convex.answer(); // "a"
  expect(convex.writes).toHaveLength(3);
  expect(convex.ids(2)).toEqual(["b", "c", "d"]);
  expect(convex.writes[2]!.args.sessionKey).toBe("s");
  await convex.answer(); // "x"
  await convex.answer(); // "b c d"
  mirror.live("s", msg("e")); // quiet again: straight out
  expect(convex.writes).toHaveLength(4);
  expect(convex.ids(3)).toEqual(["e"]);
  expect(convex.writes.flatMap((w) => w.args.messages as TranscriptRow[])).toHaveLength(6);
});

test("2 s after the last live message of a burst the session is caught up once, so its cursor keeps up", async () => {
  const fetched: string[] = [];
  gateway.history = (params) => {
    fetched.push(params.sessionKey);
    return Promise.resolve({ kind: "page", messages: [] });
  };
  mirror.live("s", msg("a"));
  clock.advance(1_500);
  mirror.live("s", msg("b")); // the quiet time starts again
  clock.advance(1_999);
  expect(fetched).toEqual([]);
  clock.advance(1);
  expect(fetched).toEqual(["s"]);
  expect(clock.pending()).toEqual([]);
});

test("a write that fails does not wedge the session: the held messages still go out", async () => {
  mirror.live("s", msg("a"));
  mirror.live("s", msg("b"));
  await convex.fail();
  expect(convex.writes).toHaveLength(2);
  expect(convex.ids(1)).toEqual(["b"]);
});

test("a burst larger than one ingest call is split into calls of at most 50", async () => {
  mirror.live("s", msg("first"));
  for (let i = 0; i < 120; i += 1) mirror.live("s", msg(`m${i}`));
  await convex.answer();
  await flush();
  const sizes = convex.writes.map((w) => (w.args.messages as unknown[]).length);
  expect(sizes[0]).toBe(1);
  expect(sizes[1]).toBe(50);
  await convex.answer();
  await convex.answer();
  await convex.answer();
  expect(convex.writes.map((w) => (w.args.messages as unknown[]).length)).toEqual([1, 50, 50, 20]);
  expect(convex.writes.flatMap((_, i) => convex.ids(i))).toEqual(["first", ...Array.from({ length: 120 }, (_, i) => `m${i}`)]);
});

describe("messages the Gateway cut at 8,000 characters", () => {
  const WHOLE = "w".repeat(20_000);
  const cut = (id: string): TranscriptRow => ({ ...msg(id), role: "assistant", text: `${WHOLE.slice(0, 8_000)}\n...(truncated)...`, gatewayTruncated: true });
  const written = (i: number) => (convex.writes[i]!.args.messages as TranscriptRow[])[0]!;
  const settle = async () => {
    for (let i = 0; i < 5; i += 1) await flush();
  };

  test("are fetched whole (up to our own limit) and written without the cut mark", async () => {
    gateway.fullText = () => Promise.resolve({ kind: "full", text: WHOLE });
    mirror.live("s", cut("long"));
    await settle();
    expect(gateway.fullTexts).toEqual([{ sessionKey: "s", messageId: "long", maxChars: LIMITS.textBytes }]);
    expect(written(0).text).toBe(WHOLE);
    expect(written(0).gatewayTruncated).toBeUndefined();
  });

  test("longer than our limit: clipped by us, with our marker, not marked as cut by the Gateway", async () => {
    const huge = "h".repeat(200_000);
    gateway.fullText = () => Promise.resolve({ kind: "full", text: huge });
    mirror.live("s", cut("huge"));
    await settle();
    expect(written(0).text).toBe(clipBytes(huge));
    expect(Buffer.byteLength(written(0).text)).toBeLessThanOrEqual(LIMITS.textBytes);
    expect(written(0).text.length).toBeGreaterThan(60_000);
    expect(written(0).gatewayTruncated).toBeUndefined();
  });

  test("one the Gateway can't give whole is written as it came, marked as cut; uncut messages are not fetched", async () => {
    gateway.fullText = () => Promise.resolve({ kind: "unavailable", reason: "oversized" });
    mirror.live("s", cut("gone"));
    await settle();
    expect(written(0)).toMatchObject({ gatewayMessageId: "gone", gatewayTruncated: true, text: cut("gone").text });
    await convex.answer();
    mirror.live("s", msg("short"));
    await settle();
    expect(gateway.fullTexts).toHaveLength(1);
  });

  test("a lost connection while fetching writes nothing; the catch-up brings the message whole", async () => {
    gateway.fullText = () => Promise.reject(new Error("gateway connection lost"));
    mirror.live("s", cut("retry"));
    await settle();
    expect(convex.writes).toHaveLength(0);
    gateway.fullText = () => Promise.resolve({ kind: "full", text: WHOLE });
    gateway.history = () => Promise.resolve({ kind: "page", messages: [cut("retry")], deltaCursor: "c-1" });
    const caughtUp = mirror.catchUp(["s"]);
    await settle();
    await convex.answer();
    await caughtUp;
    expect(written(0)).toMatchObject({ gatewayMessageId: "retry", text: WHOLE });
  });
});
