/** The mirror while writes can't be made durable: cursors wait, memory stays bounded, nothing is lost. */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { HistoryResult } from "../../src/bridge/ports.js";
import { CursorStore } from "../../src/bridge/cursor-store.js";
import type { TranscriptRow } from "../../src/gateway/transcript-row.js";
import { LIVE_QUEUE_LIMIT, TranscriptMirror } from "../../src/bridge/transcript-mirror.js";
import { silentLogger } from "../../src/logging/logger.js";
import { FakeClock } from "../support/fake-clock.js";
import { FakeGateway, flush, RecordingConvex } from "./fakes.js";

/** Convex behind a writer that can't make anything durable yet: every write waits for `answer()`. */
class StuckConvex extends RecordingConvex {
  private waiting: Array<() => void> = [];
  protected override reply(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  async answer(): Promise<void> {
    this.waiting.shift()?.();
    await flush();
  }
  ids(): string[] {
    return this.writes.flatMap((w) => (w.args.messages as TranscriptRow[]).map((m) => m.gatewayMessageId));
  }
}

let dir: string;
let cursors: CursorStore;
let gateway: FakeGateway;
let convex: StuckConvex;
let mirror: TranscriptMirror;
let historyCalls: Array<{ sessionKey: string; cursor?: string; limit?: number }>;
beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fcr-mirror-durable-"));
  cursors = new CursorStore(path.join(dir, "cursors.json"), "i");
  await cursors.load();
  gateway = new FakeGateway();
  historyCalls = [];
  convex = new StuckConvex();
  mirror = new TranscriptMirror({ gateway, convex, cursors, logger: silentLogger(), backfillPerSession: 10, clock: new FakeClock() });
});
afterEach(async () => {
  mirror.stop();
  // A test may end with a cursor moved and its save still under way: it would re-create the dir.
  await cursors.flush();
  rmSync(dir, { recursive: true, force: true });
});

const until = async (predicate: () => boolean) => {
  for (let i = 0; i < 500 && !predicate(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(predicate()).toBe(true);
};
const msg = (id: string): TranscriptRow => ({ gatewayMessageId: id, role: "user", text: `text ${id}`, timestamp: 1 });
const answerHistory = (result: (params: { cursor?: string; limit?: number }) => HistoryResult) => {
  gateway.history = (params) => {
    historyCalls.push(params);
    return Promise.resolve(result(params));
  };
};

test("a catch-up's cursor is saved only once its messages are durable", async () => {
  await cursors.set("s", "c1");
  answerHistory(() => ({ kind: "delta", messages: [msg("a")], deltaCursor: "c2" }));
  const done = mirror.catchUp(["s"]);
  await flush();
  expect(convex.ids()).toEqual(["a"]);
  expect(cursors.get("s")).toBe("c1");
  await convex.answer();
  await done;
  expect(cursors.get("s")).toBe("c2");
});

test("live messages past the bound are left in the Gateway and fetched from the cursor once the pending write is durable", async () => {
  await cursors.set("s", "c1");
  mirror.live("s", msg("first")); // goes out, and stays not durable
  for (let i = 0; i < LIVE_QUEUE_LIMIT + 50; i += 1) mirror.live("s", msg(`m${i}`));
  expect(convex.writes).toHaveLength(1);
  // The Gateway still has every message after the cursor.
  const all = Array.from({ length: LIVE_QUEUE_LIMIT + 50 }, (_, i) => msg(`m${i}`));
  answerHistory(() => ({ kind: "delta", messages: [msg("first"), ...all], deltaCursor: "c9" }));
  await convex.answer();
  expect(historyCalls).toEqual([{ sessionKey: "s", cursor: "c1" }]);
  while (convex.writes.length > 0 && cursors.get("s") === "c1") await convex.answer();
  expect(new Set(convex.ids())).toEqual(new Set(["first", ...all.map((m) => m.gatewayMessageId)]));
  expect(cursors.get("s")).toBe("c9");
});

test("catch-ups of a session don't pile up while its write is not durable: one runs, one more follows", async () => {
  answerHistory(() => ({ kind: "page", messages: [msg("a")], deltaCursor: "c1" }));
  const runs = [mirror.catchUp(["s"]), mirror.catchUp(["s"]), mirror.catchUp(["s"])];
  await flush();
  expect(historyCalls).toHaveLength(1);
  await convex.answer();
  await until(() => historyCalls.length === 2);
  await until(() => convex.writes.length === 2);
  await convex.answer();
  await Promise.all(runs);
  expect(historyCalls).toHaveLength(2);
});

test("a reset after live messages were let go takes the Gateway's largest page; an ordinary reset the small backfill", async () => {
  await cursors.set("s", "old");
  answerHistory((params) => (params.cursor ? { kind: "reset" } : { kind: "page", messages: [msg("a")], deltaCursor: "c1" }));
  const ordinary = mirror.catchUp(["s"]);
  await until(() => convex.writes.length === 1);
  await convex.answer();
  await ordinary;
  expect(historyCalls).toEqual([
    { sessionKey: "s", cursor: "old" },
    { sessionKey: "s", limit: 10 },
  ]);

  historyCalls = [];
  mirror.live("s", msg("first"));
  for (let i = 0; i <= LIVE_QUEUE_LIMIT; i += 1) mirror.live("s", msg(`m${i}`));
  await convex.answer(); // "first" is durable: the let-go messages are fetched, and the cursor is too old
  await until(() => historyCalls.length === 2);
  expect(historyCalls).toEqual([
    { sessionKey: "s", cursor: "c1" },
    { sessionKey: "s", limit: 1000 },
  ]);
  await until(() => convex.writes.length === 3);
  await convex.answer();
});
