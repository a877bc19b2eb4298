import { GatewayAdapter } from "../../src/bridge/gateway-adapter.js";
import { fromEntry, chatMessageText } from "../../src/bridge/transcript.js";
import {
  GatewayConnectionLostError,
  GatewayNotConnectedError,
  GatewayRequestError,
  GatewayRequestTimeoutError,
  type GatewayConnection,
} from "../../src/gateway/index.js";
import { silentLogger } from "../../src/logging/logger.js";

// classifyError never touches the connection: a bare stand-in is enough.
const adapter = new GatewayAdapter({} as GatewayConnection, silentLogger());

describe("GatewayAdapter.classifyError", () => {
  test("a non-retryable answer from the gateway is a rejection, with its code and message", () => {
    const error = new GatewayRequestError("chat.send", { code: "INVALID_REQUEST", message: "message too long" });
    expect(adapter.classifyError(error)).toEqual({ kind: "rejected", code: "INVALID_REQUEST", reason: "chat.send failed: INVALID_REQUEST: message too long" });
  });

  test("a retryable answer, a lost connection, a timeout or no connection keep the message queued", () => {
    const retryable = new GatewayRequestError("chat.send", { code: "UNAVAILABLE", message: "starting", retryable: true, retryAfterMs: 500 });
    for (const error of [
      retryable,
      new GatewayConnectionLostError("chat.send", "closed 1012"),
      new GatewayRequestTimeoutError("chat.send", 30_000),
      new GatewayNotConnectedError("chat.send", "waiting"),
      new Error("socket hang up"),
    ]) {
      expect(adapter.classifyError(error).kind).toBe("transient");
    }
  });
});

describe("transcript rows", () => {
  test("a session.message entry becomes the flat row the backend ingests, idempotency key included", () => {
    const row = fromEntry({
      sessionKey: "agent:main:main",
      messageId: "m-1",
      messageSeq: 7,
      runId: "run-1",
      message: { role: "user", content: "hi", timestamp: 1234, idempotencyKey: "run-1:user" },
    });
    expect(row).toEqual({ gatewayMessageId: "m-1", seq: 7, role: "user", text: "hi", timestamp: 1234, idempotencyKey: "run-1:user", runId: "run-1" });
  });

  test("assistant part arrays keep only their text; tool results map to the tool role", () => {
    const assistant = fromEntry({
      sessionKey: "s",
      messageId: "m-2",
      messageSeq: undefined,
      runId: undefined,
      message: { role: "assistant", content: [{ type: "text", text: "Hel" }, { type: "toolCall", name: "x" }, { type: "text", text: "lo" }] },
    });
    expect(assistant?.text).toBe("Hello");
    const tool = fromEntry({ sessionKey: "s", messageId: "m-3", messageSeq: undefined, runId: undefined, message: { role: "toolResult", content: "ok" } });
    expect(tool?.role).toBe("tool");
  });

  test("rows without a stable id or with an unknown role are skipped, not guessed", () => {
    expect(fromEntry({ sessionKey: "s", messageId: undefined, messageSeq: undefined, runId: undefined, message: { role: "user", content: "x" } })).toBeUndefined();
    expect(fromEntry({ sessionKey: "s", messageId: "m", messageSeq: undefined, runId: undefined, message: { role: "narrator", content: "x" } })).toBeUndefined();
  });

  test("chat event messages: cumulative content, plain text, or nothing", () => {
    expect(chatMessageText({ role: "assistant", content: [{ type: "text", text: "ab" }] })).toBe("ab");
    expect(chatMessageText({ text: "plain" })).toBe("plain");
    expect(chatMessageText(undefined)).toBeUndefined();
  });
});
