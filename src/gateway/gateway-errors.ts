/** Typed errors the Gateway connection throws, each classified once into a GatewayFailure; how connect failures are explained. */
import { GatewayClientRequestError, isGatewayProtocolResponseError } from "@openclaw/gateway-client";
import { readConnectErrorDetailCode } from "@openclaw/gateway-protocol/connect-error-details";

/**
 * What a failed request means for whoever sent it, decided here, where the failure is seen:
 * - `transient`: not sent, lost, timed out, or the Gateway asked for a retry: the same request later, as is.
 * - `race`: refused because something changed under this very request (see isRaceRefusal): the same
 *   request succeeds a moment later; a caller bounds how often it tries.
 * - `rejected`: refused for good; the same request fails the same way.
 */
export type GatewayFailureKind = "transient" | "race" | "rejected";

/** A failed Gateway request as data (like convex-js's FunctionResult): `reason` says why once, without method or code. */
export interface GatewayFailure {
  kind: GatewayFailureKind;
  /** The Gateway's code (INVALID_REQUEST, UNAVAILABLE…) or the relay's (GATEWAY_NOT_CONNECTED…). */
  code: string;
  reason: string;
}

/** Base class: `code` is stable for callers to branch on; `failure` is the one classification of this error. */
export class GatewayError extends Error {
  readonly code: string;
  readonly failure: GatewayFailure;
  constructor(code: string, message: string, kind: GatewayFailureKind = "rejected", reason: string = message) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.failure = { kind, code, reason };
  }
}

/** The request was not sent: there is no connection right now. Safe to retry later as is. */
export class GatewayNotConnectedError extends GatewayError {
  readonly method: string;
  readonly state: string;
  constructor(method: string, state: string) {
    super("GATEWAY_NOT_CONNECTED", `gateway not connected (state ${state}); ${method} was not sent`, "transient");
    this.method = method;
    this.state = state;
  }
}

/** The request was sent but the connection dropped before the answer: outcome unknown, retry with the same idempotency key. */
export class GatewayConnectionLostError extends GatewayError {
  readonly method: string;
  constructor(method: string, reason: string) {
    super("GATEWAY_CONNECTION_LOST", `gateway connection lost before ${method} was answered: ${reason}`, "transient");
    this.method = method;
  }
}

/** No answer within the request deadline (the connection may still be alive). */
export class GatewayRequestTimeoutError extends GatewayError {
  readonly method: string;
  constructor(method: string, timeoutMs: number) {
    super("GATEWAY_REQUEST_TIMEOUT", `gateway did not answer ${method} within ${timeoutMs} ms`, "transient");
    this.method = method;
  }
}

interface ErrorFrame {
  code: string;
  message: string;
  details?: unknown;
  retryable?: boolean;
  retryAfterMs?: number;
}

/** The Gateway answered with an error frame; its failure kind comes from the frame (requestFailureKind). */
export class GatewayRequestError extends GatewayError {
  readonly method: string;
  /** The frame's own message, without the method and code this error's message adds. */
  readonly gatewayMessage: string;
  readonly details: unknown;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(method: string, error: ErrorFrame) {
    super(error.code, `${method} failed: ${error.code}: ${error.message}`, requestFailureKind(error), error.message);
    this.method = method;
    this.gatewayMessage = error.message;
    this.details = error.details;
    this.retryable = error.retryable === true;
    this.retryAfterMs = error.retryAfterMs;
  }
}

/** The Gateway answered, but not in the shape the protocol promises: the same request gets the same answer. */
export class GatewayProtocolError extends GatewayError {
  constructor(message: string) {
    super("GATEWAY_PROTOCOL_ERROR", message, "rejected");
  }
}

/** The failure a rejected Gateway call carries; something that is not a GatewayError (a bug) is left to a retry. */
/** The code of a failure that is not the Gateway's answer (an error of the relay's own). */
export const UNCLASSIFIED_CODE = "GATEWAY_UNCLASSIFIED";

export function gatewayFailureOf(error: unknown): GatewayFailure {
  if (error instanceof GatewayError) return error.failure;
  return { kind: "transient", code: UNCLASSIFIED_CODE, reason: error instanceof Error ? error.message : String(error) };
}

/** An error frame is worth the same request again when it says so, when the Gateway is unavailable, or when it is a race. */
function requestFailureKind(frame: ErrorFrame): GatewayFailureKind {
  if (frame.retryable === true || frame.code === "UNAVAILABLE") return "transient";
  return isRaceRefusal(frame) ? "race" : "rejected";
}

/** The one structured race signal: a session target changed between authorization and commit (session-sharing.ts). */
const RACE_DETAIL_CODE = "SESSION_MUTATION_AUTHORIZATION_CHANGED";

/**
 * Fallback for race refusals the Gateway (openclaw 2026.9.6) sends as INVALID_REQUEST with neither
 * details nor `retryable`, mostly through chat.send's admission catch-all (respondChatSendAdmissionError),
 * which keeps only "<ErrorName>: <message>" of what it caught and drops its details. Each names
 * a state that changed (or is in flux) under this very request and asks for the same request again:
 * - "SessionMutationAuthorizationChangedError: session changed before chat.send; retry the request",
 *   "Session "<key>" changed while starting work. Retry.", "Session "<key>" was deleted while
 *   starting work. Retry.", "Session changed before native confirmation. Retry.", "Session changed
 *   before recovery; refresh and retry.", "Parent session <key> changed before child creation; retry."
 * - "Session "<key>" is still initializing. Retry after initialization completes."
 * - "GatewayDrainingError: Gateway is draining; new tasks are not accepted" (a restart is under way).
 * Not matched on purpose: "…; automatic retry stopped…", "chat retry does not match its durable
 * admission", "…use a new message ID to send again" (request conflicts, final).
 */
const RACE_MESSAGES: readonly RegExp[] = [
  /\b(?:changed|was deleted) (?:before|while) [^;]*?[;.]\s*(?:refresh and )?retry\b/i,
  /\bis still initializing\. Retry after initialization completes\b/i,
  /\bGatewayDrainingError\b/,
];

/**
 * A refusal the Gateway gives when something changed under the request (a race with another
 * request, not a fault of this one): the same request with the same idempotency key succeeds a
 * moment later. The structured signal wins: any other `details.code` or `details.reason` (e.g.
 * "session-routing-changed", "active-leaf-changed", "session-settings-changed", which compare the
 * request's own expectations and so fail the same way again, or "chat-request-conflict") is final.
 */
function isRaceRefusal(frame: ErrorFrame): boolean {
  if (frame.code !== "INVALID_REQUEST") return false;
  const detailCode = readString(frame.details, "code");
  if (detailCode === RACE_DETAIL_CODE) return true;
  if (detailCode !== undefined || readString(frame.details, "reason") !== undefined) return false;
  return RACE_MESSAGES.some((pattern) => pattern.test(frame.message));
}

/** Detail codes that no amount of reconnecting fixes: a person has to change credentials or approve something. */
export const AUTH_FAILURE_CODES: ReadonlySet<string> = new Set([
  "AUTH_REQUIRED",
  "AUTH_UNAUTHORIZED",
  "AUTH_TOKEN_MISSING",
  "AUTH_TOKEN_MISMATCH",
  "AUTH_TOKEN_NOT_CONFIGURED",
  "AUTH_PASSWORD_MISSING",
  "AUTH_PASSWORD_MISMATCH",
  "AUTH_PASSWORD_NOT_CONFIGURED",
  "AUTH_BOOTSTRAP_TOKEN_INVALID",
  "AUTH_DEVICE_TOKEN_MISMATCH",
  "AUTH_SCOPE_MISMATCH",
  "AUTH_RATE_LIMITED",
  "AUTH_IDENTITY_HEADER_REQUIRED",
  "AUTH_VERIFIED_USER_REQUIRED",
  "PAIRING_REQUIRED",
  "DEVICE_IDENTITY_REQUIRED",
  "DEVICE_AUTH_INVALID",
  "DEVICE_AUTH_DEVICE_ID_MISMATCH",
  "DEVICE_AUTH_SIGNATURE_EXPIRED",
  "DEVICE_AUTH_NONCE_REQUIRED",
  "DEVICE_AUTH_NONCE_MISMATCH",
  "DEVICE_AUTH_SIGNATURE_INVALID",
  "DEVICE_AUTH_PUBLIC_KEY_INVALID",
  "MISSING_SCOPES",
]);

/** Codes that mean "this relay and that Gateway don't fit": also not fixed by retrying soon. */
const INCOMPATIBLE_CODES: ReadonlySet<string> = new Set(["PROTOCOL_MISMATCH", "CLIENT_VERSION_MISMATCH"]);

/** One line telling a person what to do about a connect failure. */
export function connectFailureHint(code: string | undefined): string {
  switch (code) {
    case "AUTH_TOKEN_MISMATCH":
    case "AUTH_TOKEN_MISSING":
    case "AUTH_TOKEN_NOT_CONFIGURED":
      return "give the relay the Gateway's token (gateway.auth.token in ~/.openclaw/openclaw.json) via OPENCLAW_GATEWAY_TOKEN or the relay's gateway token setting, then restart the relay";
    case "AUTH_PASSWORD_MISMATCH":
    case "AUTH_PASSWORD_MISSING":
    case "AUTH_PASSWORD_NOT_CONFIGURED":
      return "give the relay the Gateway's password (gateway.auth.password) via OPENCLAW_GATEWAY_PASSWORD or the relay's gateway password setting, then restart the relay";
    case "AUTH_RATE_LIMITED":
      return "too many failed logins: fix the credentials; the Gateway will accept attempts again after its lockout";
    case "PAIRING_REQUIRED":
    case "AUTH_SCOPE_MISMATCH":
    case "MISSING_SCOPES":
      return "approve this device with operator.read and operator.write (`openclaw devices list`, then `openclaw devices approve <requestId>`), or connect with the Gateway's shared token, which grants operator scopes";
    case "DEVICE_IDENTITY_REQUIRED":
    case "DEVICE_AUTH_INVALID":
    case "DEVICE_AUTH_DEVICE_ID_MISMATCH":
    case "DEVICE_AUTH_SIGNATURE_INVALID":
    case "DEVICE_AUTH_PUBLIC_KEY_INVALID":
      return "the Gateway rejected the relay's device identity: check that device-identity.json in the relay's state dir is intact (delete it only if you accept re-pairing)";
    case "DEVICE_AUTH_SIGNATURE_EXPIRED":
      return "the Gateway says the device signature is stale: check that this machine's clock is correct";
    case "PROTOCOL_MISMATCH":
      return "this relay speaks Gateway protocol 3–4; upgrade the relay or the Gateway so they overlap";
    default:
      return "check the Gateway's URL and credentials (OPENCLAW_GATEWAY_URL / OPENCLAW_GATEWAY_TOKEN or ~/.openclaw/openclaw.json)";
  }
}

export type ConnectFailure =
  | { kind: "auth"; code: string; message: string; hint: string }
  | { kind: "incompatible"; code: string; message: string; hint: string }
  | { kind: "retryable"; code: string | undefined; message: string; retryAfterMs: number | undefined }
  | { kind: "other"; code: string | undefined; message: string };

function readString(value: unknown, key: string): string | undefined {
  if (!value || typeof value !== "object") return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === "string" ? field : undefined;
}

/** Sorts an error from a failed connect into what the supervisor should do about it. */
export function classifyConnectFailure(error: unknown): ConnectFailure {
  const message = error instanceof Error ? error.message : String(error);
  // GatewayTlsError (gateway-tls.ts), matched by shape to avoid an import cycle: a pin or trust problem retrying cannot fix.
  const hint = error instanceof GatewayError ? (error as { hint?: unknown }).hint : undefined;
  if (error instanceof GatewayError && error.code.startsWith("TLS_") && typeof hint === "string") {
    return { kind: "incompatible", code: error.code, message, hint };
  }
  const details = error && typeof error === "object" ? (error as { details?: unknown }).details : undefined;
  const detailCode = readConnectErrorDetailCode(details) ?? undefined;
  const gatewayCode = readString(error, "gatewayCode");
  if (detailCode && AUTH_FAILURE_CODES.has(detailCode)) {
    return { kind: "auth", code: detailCode, message, hint: connectFailureHint(detailCode) };
  }
  if (detailCode && INCOMPATIBLE_CODES.has(detailCode)) {
    return { kind: "incompatible", code: detailCode, message, hint: connectFailureHint(detailCode) };
  }
  const retryable = error && typeof error === "object" ? (error as { retryable?: unknown }).retryable === true : false;
  const retryAfter = error && typeof error === "object" ? (error as { retryAfterMs?: unknown }).retryAfterMs : undefined;
  if (retryable || gatewayCode === "UNAVAILABLE") {
    return {
      kind: "retryable",
      code: detailCode ?? gatewayCode,
      message,
      retryAfterMs: typeof retryAfter === "number" && Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined,
    };
  }
  return { kind: "other", code: detailCode ?? gatewayCode, message };
}

/** The Gateway refused the relay's credentials, pairing or scopes (from waitUntilConnected). */
export class GatewayAuthError extends GatewayError {
  readonly hint: string;
  constructor(code: string, message: string, hint: string) {
    super(code, `${code}: ${message} — ${hint}`);
    this.hint = hint;
  }
}

/** Maps what the official client's request() rejects with onto the typed errors above. */
export function toGatewayError(method: string, error: unknown, state: string): GatewayError {
  // Error frames from the Gateway arrive as GatewayClientRequestError (the WeakSet check alone misses
  // errors made by the client's own error factory before it registers them).
  if (isGatewayProtocolResponseError(error) || error instanceof GatewayClientRequestError) {
    return new GatewayRequestError(method, {
      code: error.gatewayCode || error.code,
      message: error.message,
      details: error.details,
      retryable: error.retryable,
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    });
  }
  const record = error !== null && typeof error === "object" ? (error as Record<string, unknown>) : {};
  if (record.code === "CLIENT_TIMEOUT") {
    return new GatewayRequestTimeoutError(method, typeof record.timeoutMs === "number" ? record.timeoutMs : 0);
  }
  const message = error instanceof Error ? error.message : String(error);
  // The official client rejects at once, without sending, when its socket is not open.
  if (message === "gateway not connected") return new GatewayNotConnectedError(method, state);
  return new GatewayConnectionLostError(method, message);
}
