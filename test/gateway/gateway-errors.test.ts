/** Unit: which Gateway refusals are races worth retrying, on the exact shapes openclaw 2026.9.6 sends for chat.send. */
import { GatewayClientRequestError } from "@openclaw/gateway-client";
import {
  GatewayRaceRefusalPersistsError,
  GatewayRequestError,
  isGatewayRaceRefusal,
  isRetryableGatewayError,
  toGatewayError,
} from "../../src/gateway/gateway-errors.js";

const refusal = (message: string, details?: unknown, code = "INVALID_REQUEST") =>
  new GatewayRequestError("chat.send", { code, message, ...(details !== undefined ? { details } : {}) });

describe("isGatewayRaceRefusal", () => {
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
    const error = refusal(message, details);
    expect(isGatewayRaceRefusal(error)).toBe(true);
    expect(isRetryableGatewayError(error)).toBe(true);
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
    const error = refusal(message, details);
    expect(isGatewayRaceRefusal(error)).toBe(false);
    expect(isRetryableGatewayError(error)).toBe(false);
  });

  test("only INVALID_REQUEST answers are races: a permission refusal with the same words is not", () => {
    const error = refusal("session changed before chat.send; retry the request", { code: "MISSING_SCOPE" }, "FORBIDDEN");
    expect(isGatewayRaceRefusal(error)).toBe(false);
    expect(isGatewayRaceRefusal(new Error("session changed before chat.send; retry the request"))).toBe(false);
  });

  test("retryable answers and UNAVAILABLE stay transient, as before", () => {
    expect(isRetryableGatewayError(refusal("Previous run is still shutting down. Please try again in a moment.", undefined, "UNAVAILABLE"))).toBe(true);
    expect(isRetryableGatewayError(new GatewayRequestError("chat.send", { code: "INVALID_REQUEST", message: "busy", retryable: true }))).toBe(true);
  });

  test("a race refusal that persisted is final, and keeps the Gateway's reason", () => {
    const persisted = new GatewayRaceRefusalPersistsError(refusal("SessionMutationAuthorizationChangedError: session changed before chat.send; retry the request"), 5);
    expect(isGatewayRaceRefusal(persisted)).toBe(false);
    expect(isRetryableGatewayError(persisted)).toBe(false);
    expect(persisted).toBeInstanceOf(GatewayRequestError);
    expect(persisted.code).toBe("INVALID_REQUEST");
    expect(persisted.message).toBe(
      "chat.send failed: INVALID_REQUEST: SessionMutationAuthorizationChangedError: session changed before chat.send; retry the request (refused 5 times)",
    );
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
    expect(isGatewayRaceRefusal(mapped)).toBe(true);
  });
});
