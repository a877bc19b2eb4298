/** Unit: each Gateway error's one classification ({kind, code, reason}), on the exact shapes openclaw 2026.9.6 sends for chat.send. */
import { GatewayClientRequestError } from "@openclaw/gateway-client";
import {
  gatewayFailureOf,
  GatewayConnectionLostError,
  GatewayNotConnectedError,
  GatewayProtocolError,
  GatewayRequestError,
  GatewayRequestTimeoutError,
  toGatewayError,
} from "../../src/gateway/gateway-errors.js";

const refusal = (message: string, details?: unknown, code = "INVALID_REQUEST") =>
  new GatewayRequestError("chat.send", { code, message, ...(details !== undefined ? { details } : {}) });

describe("the failure a Gateway error carries", () => {
  test.each([
    // session-sharing.ts sessionMutationTargetChanged, when the request envelope rejects with it.
    ["structured target change", "session changed before chat.send; retry the request", { code: "SESSION_MUTATION_AUTHORIZATION_CHANGED", method: "chat.send", sessionKey: "agent:main:a" }],
    // The same error caught by chat.send's admission catch-all: details are gone (seen on the real Gateway).
    ["target change, text only", "SessionMutationAuthorizationChangedError: session changed before chat.send; retry the request", undefined],
    ["session changed while starting work", 'Error: Session "agent:main:a" changed while starting work. Retry.', undefined],
    ["session deleted while starting work", 'Error: Session "agent:main:a" was deleted while starting work. Retry.', undefined],
    ["native confirmation", "Session changed before native confirmation. Retry.", undefined],
    ["recovery", "Error: Session changed before recovery; refresh and retry.", undefined],
    ["parent session", "Parent session agent:main:p changed before child creation; retry.", undefined],
    ["still initializing", 'Session "agent:main:a" is still initializing. Retry after initialization completes.', undefined],
    ["draining for a restart", "GatewayDrainingError: Gateway is draining; new tasks are not accepted", undefined],
  ])("%s: a race, retried", (_name, message, details) => {
    expect(refusal(message, details).failure).toEqual({ kind: "race", code: "INVALID_REQUEST", reason: message });
  });

  test.each([
    ["bad params", "invalid chat.send params: at root: must have required property 'idempotencyKey'", undefined],
    ["no message", "message or attachment required", undefined],
    ["unknown agent", 'Unknown agent id "ghost"', undefined],
    ["deleted agent", 'Agent "ghost" no longer exists in configuration', undefined],
    ["unauthorized", "unauthorized", undefined],
    ["send policy", "send blocked by session policy", undefined],
    ["archived", 'Session "agent:main:a" is archived. Restore it before starting new work.', undefined],
    // These compare the request's own expectations: the same request fails the same way again.
    ["routing contract", "session routing changed; review and retry", { reason: "session-routing-changed" }],
    ["active leaf", "active branch changed; review and retry", { reason: "active-leaf-changed" }],
    ["settings (text alone would match)", "Session settings changed before send. Retry.", { reason: "session-settings-changed" }],
    ["idempotency key reused", "This message ID was already used for different input. Check the conversation history and use a new message ID to send again.", { reason: "chat-request-conflict" }],
    ["durable retry mismatch", "Error: chat retry does not match its durable admission", undefined],
  ])("%s: a real refusal, final", (_name, message, details) => {
    expect(refusal(message, details).failure).toEqual({ kind: "rejected", code: "INVALID_REQUEST", reason: message });
  });

  test("only INVALID_REQUEST answers are races: a permission refusal with the same words is not", () => {
    const error = refusal("session changed before chat.send; retry the request", { code: "MISSING_SCOPE" }, "FORBIDDEN");
    expect(error.failure.kind).toBe("rejected");
  });

  test("retryable answers and UNAVAILABLE are transient", () => {
    expect(refusal("Previous run is still shutting down. Please try again in a moment.", undefined, "UNAVAILABLE").failure.kind).toBe("transient");
    expect(new GatewayRequestError("chat.send", { code: "INVALID_REQUEST", message: "busy", retryable: true }).failure.kind).toBe("transient");
  });

  test("no connection, a lost connection and a timeout are transient; a malformed answer is final", () => {
    expect(new GatewayNotConnectedError("chat.send", "waiting").failure).toEqual({
      kind: "transient",
      code: "GATEWAY_NOT_CONNECTED",
      reason: "gateway not connected (state waiting); chat.send was not sent",
    });
    expect(new GatewayConnectionLostError("chat.send", "closed 1012").failure.kind).toBe("transient");
    expect(new GatewayRequestTimeoutError("chat.send", 30_000).failure.kind).toBe("transient");
    expect(new GatewayProtocolError("chat.send: answer lacks runId/status").failure).toEqual({
      kind: "rejected",
      code: "GATEWAY_PROTOCOL_ERROR",
      reason: "chat.send: answer lacks runId/status",
    });
  });

  test("the reason says it once: the Gateway's words, without the method and code the error message adds", () => {
    const error = refusal("message too long");
    expect(error.message).toBe("chat.send failed: INVALID_REQUEST: message too long");
    expect(error.failure.reason).toBe("message too long");
  });

  test("something that is not a Gateway error (a bug) is left to a retry, with its message", () => {
    expect(gatewayFailureOf(new Error("socket hang up"))).toEqual({ kind: "transient", code: "GATEWAY_UNCLASSIFIED", reason: "socket hang up" });
    expect(gatewayFailureOf(refusal("message too long")).kind).toBe("rejected");
  });

  test("the official client's error frame keeps message and details through toGatewayError", () => {
    const frame = new GatewayClientRequestError({
      code: "INVALID_REQUEST",
      message: "session changed before chat.send; retry the request",
      details: { code: "SESSION_MUTATION_AUTHORIZATION_CHANGED", method: "chat.send", sessionKey: "agent:main:a" },
    });
    const mapped = toGatewayError("chat.send", frame, "connected");
    expect(mapped).toBeInstanceOf(GatewayRequestError);
    expect((mapped as GatewayRequestError).gatewayMessage).toBe("session changed before chat.send; retry the request");
    expect(mapped.failure.kind).toBe("race");
  });
});
