import { GatewayAdapter } from "../../src/bridge/gateway-adapter.js";
import { chatMessageText } from "../../src/gateway/chat-update.js";
import { toTranscriptRow as fromEntry } from "../../src/gateway/transcript-row.js";
import {
  AttachmentRefusedError,
  GatewayConnectionLostError,
  GatewayNotConnectedError,
  GatewayProtocolError,
  GatewayRequestError,
  GatewayRequestTimeoutError,
  transcriptEntry,
  type ChatMessageGetResult,
  type ChatSendAck,
  type GatewayConnection,
} from "../../src/gateway/index.js";
import { silentLogger } from "../../src/logging/logger.js";

describe("GatewayAdapter.chatSend: the outcome as data", () => {
  /** An adapter over a connection whose chat.send is answered by `answer`. */
  function adapterAnswering(answer: () => Promise<ChatSendAck>) {
    const connection = { state: "connected", chatSend: answer };
    return new GatewayAdapter(connection as unknown as GatewayConnection, silentLogger());
  }
  const params = { sessionKey: "s", message: "hi", idempotencyKey: "k" };

  test("an ack is the run id and status", async () => {
    const send = adapterAnswering(() => Promise.resolve({ runId: "k", status: "started", messageSeq: 1 }));
    await expect(send.chatSend(params)).resolves.toEqual({ ok: true, runId: "k", status: "started" });
  });

  test("a refusal is the failure the Gateway side classified, its reason said once", async () => {
    const send = adapterAnswering(() => Promise.reject(new GatewayRequestError("chat.send", { code: "INVALID_REQUEST", message: "message too long" })));
    await expect(send.chatSend(params)).resolves.toEqual({ ok: false, failure: { kind: "rejected", code: "INVALID_REQUEST", reason: "message too long" } });
  });

  test("a race refusal is a race, not counted here (the outbox bounds it on the message's record)", async () => {
    const race = "SessionMutationAuthorizationChangedError: session changed before chat.send; retry the request";
    const send = adapterAnswering(() => Promise.reject(new GatewayRequestError("chat.send", { code: "INVALID_REQUEST", message: race })));
    for (let attempt = 0; attempt < 10; attempt++) {
      await expect(send.chatSend(params)).resolves.toEqual({ ok: false, failure: { kind: "race", code: "INVALID_REQUEST", reason: race } });
    }
  });

  test("attachments are handed to the connection as files; a refusal of them is a final failure, as data", async () => {
    const seen: unknown[] = [];
    const connection = {
      state: "connected",
      chatSend: (request: unknown) => {
        seen.push(request);
        return Promise.reject(new AttachmentRefusedError({ code: "TOO_LARGE", message: '"a.png" is 7.0 MiB; the Gateway takes images up to 6.0 MiB', index: 0 }));
      },
    };
    const send = new GatewayAdapter(connection as unknown as GatewayConnection, silentLogger());
    const file = { bytes: new Uint8Array([1, 2, 3]), mimeType: "image/png", fileName: "a.png" };
    await expect(send.chatSend({ ...params, attachments: [file] })).resolves.toEqual({
      ok: false,
      failure: { kind: "rejected", code: "ATTACHMENT_TOO_LARGE", reason: '"a.png" is 7.0 MiB; the Gateway takes images up to 6.0 MiB' },
    });
    // Without attachments nothing extra is passed.
    await send.chatSend(params);
    expect(seen).toEqual([{ ...params, files: [file] }, params]);
  });

  test("a retryable answer, a lost connection, a timeout, no connection or a stray error are transient", async () => {
    for (const error of [
      new GatewayRequestError("chat.send", { code: "UNAVAILABLE", message: "starting", retryable: true, retryAfterMs: 500 }),
      new GatewayConnectionLostError("chat.send", "closed 1012"),
      new GatewayRequestTimeoutError("chat.send", 30_000),
      new GatewayNotConnectedError("chat.send", "waiting"),
      new Error("socket hang up"),
    ]) {
      const result = await adapterAnswering(() => Promise.reject(error)).chatSend(params);
      expect(result.ok ? "ok" : result.failure.kind).toBe("transient");
    }
  });
});

describe("GatewayAdapter.fullMessageText (chat.message.get)", () => {
  function adapterAnswering(answer: () => Promise<ChatMessageGetResult>) {
    const connection = { state: "connected", chatMessageGet: answer };
    return new GatewayAdapter(connection as unknown as GatewayConnection, silentLogger());
  }
  const params = { sessionKey: "s", messageId: "m-1", maxChars: 65_536 };

  test("the whole text of the message, from its parts", async () => {
    const whole = adapterAnswering(() => Promise.resolve({ ok: true, message: { role: "assistant", content: [{ type: "text", text: "all of it" }] } }));
    await expect(whole.fullMessageText(params)).resolves.toEqual({ kind: "full", text: "all of it" });
  });

  test("the Gateway can't give it, or refuses the method for good: unavailable, with the reason", async () => {
    const missing = adapterAnswering(() => Promise.resolve({ ok: false, unavailableReason: "oversized" }));
    await expect(missing.fullMessageText(params)).resolves.toEqual({ kind: "unavailable", reason: "oversized" });
    const unknown = adapterAnswering(() => Promise.reject(new GatewayRequestError("chat.message.get", { code: "INVALID_REQUEST", message: "unknown method" })));
    await expect(unknown.fullMessageText(params)).resolves.toEqual({ kind: "unavailable", reason: "unknown method" });
    const malformed = adapterAnswering(() => Promise.reject(new GatewayProtocolError("chat.message.get: answer lacks a transcript message")));
    await expect(malformed.fullMessageText(params)).resolves.toMatchObject({ kind: "unavailable" });
  });

  test("connection trouble is thrown, for the caller to retry", async () => {
    const lost = adapterAnswering(() => Promise.reject(new GatewayConnectionLostError("chat.message.get", "closed 1006")));
    await expect(lost.fullMessageText(params)).rejects.toBeInstanceOf(GatewayConnectionLostError);
  });
});

describe("transcript rows", () => {
  test("a session.message entry becomes the flat row the backend ingests, idempotency key included", () => {
    const row = fromEntry({
      sessionKey: "agent:main:main",
      messageId: "m-1",
      messageSeq: 7,
      runId: "run-1",
      recordedAt: undefined,
      truncated: false,
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
      recordedAt: undefined,
      truncated: false,
      message: { role: "assistant", content: [{ type: "text", text: "Hel" }, { type: "toolCall", name: "x" }, { type: "text", text: "lo" }] },
    });
    expect(assistant?.text).toBe("Hello");
    const tool = fromEntry({ sessionKey: "s", messageId: "m-3", messageSeq: undefined, runId: undefined, recordedAt: undefined, truncated: false, message: { role: "toolResult", content: "ok" } });
    expect(tool?.role).toBe("tool");
  });

  test("a copy the Gateway cut is flagged, and its record time (the transcript's order) is kept", () => {
    const message = {
      role: "assistant",
      content: [{ type: "text", text: "long…\n...(truncated)..." }],
      timestamp: 10,
      __openclaw: { id: "m-9", seq: 4, runId: "run-9", recordTimestampMs: 1_796_000_000_123, truncated: true, reason: "display-cap" },
    };
    const entry = transcriptEntry("agent:main:main", message, { messageId: "m-9", messageSeq: 4 });
    expect(entry).toMatchObject({ messageId: "m-9", messageSeq: 4, runId: "run-9", recordedAt: 1_796_000_000_123, truncated: true });
    expect(fromEntry(entry)).toEqual({
      gatewayMessageId: "m-9",
      seq: 4,
      role: "assistant",
      text: "long…\n...(truncated)...",
      timestamp: 10,
      runId: "run-9",
      recordedAt: 1_796_000_000_123,
      gatewayTruncated: true,
    });
    expect(transcriptEntry("s", { role: "user", content: "short", __openclaw: { id: "m-1" } }).truncated).toBe(false);
  });

  test("rows without a stable id or with an unknown role are skipped, not guessed", () => {
    expect(fromEntry({ sessionKey: "s", messageId: undefined, messageSeq: undefined, runId: undefined, recordedAt: undefined, truncated: false, message: { role: "user", content: "x" } })).toBeUndefined();
    expect(fromEntry({ sessionKey: "s", messageId: "m", messageSeq: undefined, runId: undefined, recordedAt: undefined, truncated: false, message: { role: "narrator", content: "x" } })).toBeUndefined();
  });

  test("chat event messages: cumulative content, plain text, or nothing", () => {
    expect(chatMessageText({ role: "assistant", content: [{ type: "text", text: "ab" }] })).toBe("ab");
    expect(chatMessageText({ text: "plain" })).toBe("plain");
    expect(chatMessageText(undefined)).toBeUndefined();
  });
});
