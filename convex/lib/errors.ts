/** Expected failures: a `ConvexError` whose data is `{code, message}`, the codes docs/convex-api.md promises. */
import { ConvexError } from "convex/values";

export type ErrorCode =
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "NOT_FOUND"
  | "PAIRING_EXPIRED"
  | "PAIRING_ALREADY_CLAIMED"
  | "PAIRING_INVALID"
  | "RATE_LIMITED"
  | "REGISTRATION_CLOSED"
  | "REGISTRATION_KEY_INVALID"
  | "QUOTA_EXCEEDED"
  | "TOO_LARGE"
  | "UNSUPPORTED_TYPE";

export type ErrorData = { code: ErrorCode; message: string; retryAfterMs?: number };

export function fail(code: ErrorCode, message: string, retryAfterMs?: number): never {
  const data: ErrorData = retryAfterMs === undefined ? { code, message } : { code, message, retryAfterMs };
  throw new ConvexError(data);
}

export function badRequest(message: string): never {
  return fail("BAD_REQUEST", message);
}
