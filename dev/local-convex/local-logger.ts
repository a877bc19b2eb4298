/** The logging surface the local Convex server needs; a winston logger fits it. */

export interface LocalConvexLogger {
  debug(message: string, meta?: Record<string, unknown>): unknown;
  info(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
  error(message: string, meta?: Record<string, unknown>): unknown;
}

const ignore = (): undefined => undefined;

/** Drops everything: the default, so tests stay quiet. */
export const silentLocalConvexLogger: LocalConvexLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
