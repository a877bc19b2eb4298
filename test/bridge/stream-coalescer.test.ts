import type { ChatEvent } from "@openclaw/gateway-protocol";
import { StreamCoalescer } from "../../src/bridge/stream-coalescer.js";
import { silentLogger } from "../../src/logging/logger.js";
import { FakeClock } from "../support/fake-clock.js";
import { RecordingConvex } from "./fakes.js";
import { toChatUpdate } from "../../src/gateway/chat-update.js";

const base = { runId: "r1", sessionKey: "agent:main:main" };
const delta = (seq: number, cumulative: string): ChatEvent => ({
  ...base,
  seq,
  state: "delta",
  deltaText: cumulative.slice(-1),
  message: { role: "assistant", content: [{ type: "text", text: cumulative }] },
});

describe("StreamCoalescer", () => {
  let clock: FakeClock;
  beforeEach(() => {
    clock = new FakeClock();
  });

  test("200 deltas over 20 s cost about 4 writes/s, and the final text is written last", () => {
    const convex = new RecordingConvex();
    const coalescer = new StreamCoalescer({ convex, logger: silentLogger(), writesPerSecond: 4, clock });
    let text = "";
    for (let i = 0; i < 200; i++) {
      text += String.fromCharCode(97 + (i % 26));
      coalescer.handle(toChatUpdate(delta(i, text)));
      clock.advance(100);
    }
    coalescer.handle(toChatUpdate({ ...base, seq: 201, state: "final", message: { role: "assistant", content: text } }));
    const writes = convex.calls("relay:upsertStream");
    const streaming = writes.filter((w) => w.state === "streaming");
    expect(streaming.length).toBeLessThanOrEqual(4 * 20 + 1);
    expect(streaming.length).toBeGreaterThanOrEqual(4 * 20 - 2);
    expect(writes.at(-1)).toEqual({ ...base, text, state: "final" });
    coalescer.stop();
  });

  test("a final whose message the Gateway cut for display never replaces the longer text that streamed", () => {
    const convex = new RecordingConvex();
    const coalescer = new StreamCoalescer({ convex, logger: silentLogger(), writesPerSecond: 4, clock });
    const whole = "y".repeat(20_000);
    coalescer.handle(toChatUpdate(delta(1, whole)));
    const cut = { role: "assistant", content: [{ type: "text", text: `${whole.slice(0, 8_000)}\n...(truncated)...` }], __openclaw: { truncated: true } };
    coalescer.handle(toChatUpdate({ ...base, seq: 2, state: "final", message: cut }));
    expect(convex.calls("relay:upsertStream").at(-1)).toEqual({ ...base, text: whole, state: "final" });
    // An uncut final is the Gateway's word, even when it differs from the stream (trimmed whitespace).
    coalescer.handle(toChatUpdate(delta(3, `${whole} `)));
    coalescer.handle(toChatUpdate({ ...base, seq: 4, state: "final", message: { role: "assistant", content: whole } }));
    expect(convex.calls("relay:upsertStream").at(-1)).toEqual({ ...base, text: whole, state: "final" });
    coalescer.stop();
  });

  test("text between writes is never lost: a trailing delta is written when its interval comes", () => {
    const convex = new RecordingConvex();
    const coalescer = new StreamCoalescer({ convex, logger: silentLogger(), writesPerSecond: 4, clock });
    coalescer.handle(toChatUpdate(delta(1, "a")));
    clock.advance(10);
    coalescer.handle(toChatUpdate(delta(2, "ab")));
    expect(convex.calls("relay:upsertStream").map((w) => w.text)).toEqual(["a"]);
    clock.advance(250);
    expect(convex.calls("relay:upsertStream").map((w) => w.text)).toEqual(["a", "ab"]);
    coalescer.stop();
  });

  test("an empty final for a run that never streamed (busy session) writes nothing", () => {
    const convex = new RecordingConvex();
    const coalescer = new StreamCoalescer({ convex, logger: silentLogger(), clock });
    coalescer.handle(toChatUpdate({ ...base, seq: 1, state: "final" }));
    expect(convex.writes).toHaveLength(0);
    coalescer.stop();
  });

  test("aborted and error outcomes end the row with the text so far and the reason", () => {
    const convex = new RecordingConvex();
    const coalescer = new StreamCoalescer({ convex, logger: silentLogger(), clock });
    coalescer.handle(toChatUpdate(delta(1, "partial")));
    coalescer.handle(toChatUpdate({ ...base, seq: 2, state: "aborted" }));
    coalescer.handle(toChatUpdate({ runId: "r2", sessionKey: base.sessionKey, seq: 1, state: "error", errorMessage: "model said 400" }));
    const writes = convex.calls("relay:upsertStream");
    expect(writes).toContainEqual({ ...base, text: "partial", state: "aborted" });
    expect(writes).toContainEqual({ runId: "r2", sessionKey: base.sessionKey, text: "", state: "error", error: "model said 400" });
    coalescer.stop();
  });

  test("a run with no event for 10 minutes is forgotten (its transcript row settles it); a live one is kept", () => {
    const convex = new RecordingConvex();
    const coalescer = new StreamCoalescer({ convex, logger: silentLogger(), clock });
    coalescer.handle(toChatUpdate(delta(1, "quiet")));
    coalescer.handle(toChatUpdate({ runId: "r2", sessionKey: base.sessionKey, seq: 1, state: "delta", deltaText: "x", message: { role: "assistant", content: "x" } }));
    for (let minute = 1; minute <= 11; minute += 1) {
      clock.advance(60_000);
      coalescer.handle(toChatUpdate({ runId: "r2", sessionKey: base.sessionKey, seq: minute + 1, state: "delta", deltaText: "x", message: { role: "assistant", content: "x".repeat(minute + 1) } }));
    }
    expect(coalescer.runIds).toEqual(["r2"]);
    coalescer.stop();
    expect(clock.pending()).toEqual([]);
  });
});

describe("StreamCoalescer after a reconnect", () => {
  test("closes runs last seen before the connect whose session has no active run; keeps the others", () => {
    const convex = new RecordingConvex();
    const clock = new FakeClock(1_000);
    const coalescer = new StreamCoalescer({ convex, logger: silentLogger(), clock });
    coalescer.handle(toChatUpdate({ runId: "gone", sessionKey: "s1", seq: 1, state: "delta", deltaText: "par", message: { role: "assistant", content: "par" } }));
    coalescer.handle(toChatUpdate({ runId: "busy", sessionKey: "s2", seq: 1, state: "delta", deltaText: "on", message: { role: "assistant", content: "on" } }));
    clock.advance(4_000); // reconnected here, at 5_000
    coalescer.handle(toChatUpdate({ runId: "fresh", sessionKey: "s3", seq: 1, state: "delta", deltaText: "new", message: { role: "assistant", content: "new" } }));
    const closed = coalescer.interruptInactive(new Set(["s2"]), 5_000);
    expect(closed).toBe(1);
    const terminal = convex.calls("relay:upsertStream").filter((w) => w.state !== "streaming");
    expect(terminal).toEqual([
      { runId: "gone", sessionKey: "s1", text: "par", state: "error", error: "interrupted: the Gateway connection dropped during this reply" },
    ]);
    expect(coalescer.runIds.sort()).toEqual(["busy", "fresh"]);
    coalescer.stop();
  });
});
