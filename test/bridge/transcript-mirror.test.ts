/** Live transcript messages: sent at once when the session is quiet, batched while its last write is unanswered. */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ConvexWrites } from "../../src/bridge/ports.js";
import { CursorStore } from "../../src/bridge/cursor-store.js";
import type { TranscriptMessage } from "../../src/bridge/transcript.js";
import { TranscriptMirror } from "../../src/bridge/transcript-mirror.js";
import { silentLogger } from "../../src/logging/logger.js";
import { FakeGateway, flush } from "./fakes.js";

/** Convex whose answers the test gives: each write stays unanswered until `answer()`. */
class SlowConvex implements ConvexWrites {
  writes: Array<{ fn: string; args: Record<string, unknown> }> = [];
  private waiting: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  write(fn: string, args: Record<string, unknown>): Promise<void> {
    this.writes.push({ fn, args });
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
    return (this.writes[i]!.args.messages as TranscriptMessage[]).map((m) => m.gatewayMessageId);
  }
}

let dir: string;
let mirror: TranscriptMirror;
let convex: SlowConvex;
beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fcr-mirror-"));
  const cursors = new CursorStore(path.join(dir, "cursors.json"), "i");
  await cursors.load();
  convex = new SlowConvex();
  mirror = new TranscriptMirror({ gateway: new FakeGateway(), convex, cursors, logger: silentLogger(), backfillPerSession: 10, refreshAfterMs: 60_000 });
});
afterEach(() => {
  mirror.stop();
  rmSync(dir, { recursive: true, force: true });
});

const msg = (id: string): TranscriptMessage => ({ gatewayMessageId: id, role: "user", text: `text ${id}`, timestamp: 1 });

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
  expect(mirror.ingestedCount).toBe(6);
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
