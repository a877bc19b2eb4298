// @ts-check
/** `fastclaw.status` answers from one `fastclaw-relay status --json` at a time, reused for a short while: callers cannot multiply processes. */

/** How long one status report answers every caller (the report itself changes on a scale of seconds). */
export const STATUS_CACHE_MS = 2_000;

/**
 * Single flight with a short cache: while a status run is under way every caller waits for it; its
 * result (success or failure) then answers everyone for `ttlMs`. So 25 concurrent calls, or one
 * caller polling in a loop, cost at most one process per `ttlMs`.
 * @template T
 * @param {() => Promise<T>} run
 * @param {{ ttlMs?: number, now?: () => number }} [options]
 * @returns {() => Promise<T>}
 */
export function singleFlight(run, options = {}) {
  const ttlMs = options.ttlMs ?? STATUS_CACHE_MS;
  const now = options.now ?? Date.now;
  /** @type {Promise<T> | undefined} */
  let inFlight;
  /** @type {{ result: Promise<T>, at: number } | undefined} */
  let cached;
  return () => {
    if (inFlight) return inFlight;
    if (cached && now() - cached.at < ttlMs) return cached.result;
    const result = run();
    inFlight = result;
    const settle = () => {
      inFlight = undefined;
      cached = { result, at: now() };
    };
    result.then(settle, settle);
    return result;
  };
}
