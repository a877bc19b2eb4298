/** Unit: chat.message.get answers turned into typed results (the real Gateway's shapes, see bridge-transcript.e2e). */
import { GatewayProtocolError, parseChatMessageGetResult } from "../../src/gateway/index.js";

test("a found message, or the Gateway's reason it can't give one", () => {
  const message = { role: "assistant", content: [{ type: "text", text: "whole" }], __openclaw: { id: "m-1", seq: 2 } };
  expect(parseChatMessageGetResult({ ok: true, message })).toEqual({ ok: true, message });
  expect(parseChatMessageGetResult({ ok: false, unavailableReason: "oversized" })).toEqual({ ok: false, unavailableReason: "oversized" });
  expect(parseChatMessageGetResult({ ok: false })).toEqual({ ok: false, unavailableReason: "unavailable" });
});

test("an answer that is not an object, or ok without a transcript message, is a protocol error", () => {
  expect(() => parseChatMessageGetResult("junk")).toThrow(GatewayProtocolError);
  expect(() => parseChatMessageGetResult({ ok: true })).toThrow(GatewayProtocolError);
  expect(() => parseChatMessageGetResult({ ok: true, message: { content: "no role" } })).toThrow(/lacks a transcript message/);
});
