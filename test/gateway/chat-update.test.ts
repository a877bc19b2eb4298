/** A `chat` event reaches the bridge as plain values: the reply's text, whether the Gateway cut it, and why a run failed. */
import type { ChatEvent } from "@openclaw/gateway-protocol";
import { toChatUpdate } from "../../src/gateway/chat-update.js";

const run = { runId: "r1", sessionKey: "agent:main:main" };

test("a delta carries its piece and the cumulative text read from the message's text parts", () => {
  const event = { ...run, seq: 2, state: "delta", deltaText: "b", message: { role: "assistant", content: [{ type: "text", text: "a" }, { type: "image" }, { type: "text", text: "b" }] } } as ChatEvent;
  expect(toChatUpdate(event)).toEqual({ ...run, state: "delta", deltaText: "b", text: "ab" });
});

test("a delta that replaces the text says so; one without a message has no text", () => {
  const event = { ...run, seq: 3, state: "delta", deltaText: "new", replace: true } as ChatEvent;
  expect(toChatUpdate(event)).toEqual({ ...run, state: "delta", deltaText: "new", replace: true });
});

test("a final whose message the Gateway cut for display is marked cut", () => {
  const event = { ...run, seq: 4, state: "final", message: { role: "assistant", content: "short", __openclaw: { truncated: true } } } as ChatEvent;
  expect(toChatUpdate(event)).toEqual({ ...run, state: "final", text: "short", cut: true });
});

test("an error carries the Gateway's message, else its kind", () => {
  expect(toChatUpdate({ ...run, seq: 5, state: "error", errorMessage: "model said 400", errorKind: "refusal" } as ChatEvent)).toEqual({
    ...run,
    state: "error",
    error: "model said 400",
  });
  expect(toChatUpdate({ ...run, seq: 5, state: "error", errorKind: "timeout" } as ChatEvent)).toEqual({ ...run, state: "error", error: "timeout" });
});

test("a status phase carries nothing but its run", () => {
  expect(toChatUpdate({ ...run, seq: 1, state: "status", phase: "thinking" } as unknown as ChatEvent)).toEqual({ ...run, state: "status" });
});
