/** The one reader of what a ConvexError carries (`data = {code, message, retryAfterMs?}`), for every caller of Convex. */

export interface ConvexErrorData {
  code: string;
  /** The deployment's own words: untrusted, escape before showing them on a terminal. */
  message?: string;
  retryAfterMs?: number;
}

/** `error.data` of a ConvexError with a string `code`, when that is what `error` is. */
export function convexErrorData(error: unknown): ConvexErrorData | undefined {
  if (typeof error !== "object" || error === null || !("data" in error)) return undefined;
  const { data } = error;
  if (typeof data !== "object" || data === null || !("code" in data) || typeof data.code !== "string") return undefined;
  const message = "message" in data && typeof data.message === "string" ? data.message : undefined;
  const retryAfterMs = "retryAfterMs" in data && typeof data.retryAfterMs === "number" ? data.retryAfterMs : undefined;
  return {
    code: data.code,
    ...(message !== undefined ? { message } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
}

export function convexErrorCode(error: unknown): string | undefined {
  return convexErrorData(error)?.code;
}
