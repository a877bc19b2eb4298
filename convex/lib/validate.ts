/** Size and shape checks for caller-supplied strings and numbers, failing with a clear BAD_REQUEST. */
import { badRequest } from "./errors.js";

const encoder = new TextEncoder();

/** A required string of 1..max characters; `trim` also rejects whitespace-only values and stores them trimmed. */
export function requireString(field: string, value: string, max: number, trim = false): string {
  const s = trim ? value.trim() : value;
  if (s.length === 0) badRequest(`${field} must not be empty`);
  if (s.length > max) badRequest(`${field} must be at most ${max} characters (got ${s.length})`);
  return s;
}

/**
 * C0/C1 controls (escape sequences start with one) and bidi embeddings/overrides/isolates: a name
 * holding one can rewrite the screen it is printed on, or read differently from what it says.
 */
const UNPRINTABLE_IN_NAME = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** A display name (device, instance): like requireString, and no control or bidi override characters. */
export function requireName(field: string, value: string, max: number): string {
  const name = requireString(field, value, max, true);
  if (UNPRINTABLE_IN_NAME.test(name)) badRequest(`${field} must not contain control characters or bidi overrides`);
  return name;
}

export function optionalString(field: string, value: string | undefined, max: number): string | undefined {
  if (value === undefined) return undefined;
  if (value.length > max) badRequest(`${field} must be at most ${max} characters (got ${value.length})`);
  return value;
}

/** Message text: at most `maxBytes` UTF-8 bytes; `allowEmpty` for stream rows that start empty. */
export function requireText(field: string, value: string, maxBytes: number, allowEmpty: boolean): string {
  if (!allowEmpty && value.trim().length === 0) badRequest(`${field} must not be empty`);
  // Cheap bound first: a UTF-16 unit encodes to at most 3 bytes.
  if (value.length * 3 > maxBytes) {
    const bytes = encoder.encode(value).length;
    if (bytes > maxBytes) badRequest(`${field} must be at most ${maxBytes} bytes of UTF-8 (got ${bytes})`);
  }
  return value;
}

const ENVELOPE = /^fc1\.[A-Za-z0-9_-]{11}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22,}$/;
const SESSION_ID = /^s1\.[A-Za-z0-9_-]{43}$/;

/**
 * An end-to-end encrypted value (docs/convex-api.md "Envelope") of at most `maxLength` characters. Convex cannot
 * check what is inside; the shape check stops an outdated client from storing plaintext by mistake.
 */
export function requireSealed(field: string, value: string, maxLength: number): string {
  if (value.length > maxLength) badRequest(`${field} must be at most ${maxLength} characters (got ${value.length})`);
  if (!ENVELOPE.test(value)) badRequest(`${field} must be end-to-end encrypted (an fc1 envelope); update the app`);
  return value;
}

/** A session id `s1.<HMAC>`, never a plaintext session key. */
export function requireSessionId(field: string, value: string): string {
  if (!SESSION_ID.test(value)) badRequest(`${field} must be a session id (s1.…), not a session key; update the app`);
  return value;
}

export function requireTimestamp(field: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) badRequest(`${field} must be a non-negative finite number`);
  return value;
}

/** An integer limit clamped to 1..max; absent means `fallback`. */
export function clampLimit(field: string, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 1) badRequest(`${field} must be a number of at least 1`);
  return Math.min(Math.floor(value), max);
}
