/** Query journals for paginated subscriptions: pin a first page's end so re-runs stay gapless, like the real backend. */
import type { JSONValue } from "convex/values";
import type { QueryJournal } from "./sync-protocol.js";

// The real backend records a paginated query's end cursor in an opaque journal that the client
// echoes back. Our journal is our own JSON; clients never look inside it.

type JsonObject = { [key: string]: JSONValue };

function isObject(value: JSONValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function openPaginationOpts(args: JSONValue[]): JsonObject | null {
  const first = args[0];
  if (!isObject(first)) return null;
  const opts = first.paginationOpts;
  if (!isObject(opts) || opts.endCursor !== undefined) return null;
  return opts;
}

function endCursorOf(journal: QueryJournal): string | null {
  if (journal === null) return null;
  try {
    const parsed: unknown = JSON.parse(journal);
    const endCursor = (parsed as { endCursor?: unknown } | null)?.endCursor;
    return typeof endCursor === "string" ? endCursor : null;
  } catch {
    return null;
  }
}

/** The args to run with: a journaled end cursor is added to paginationOpts that have none. */
export function argsWithJournal(args: JSONValue[], journal: QueryJournal): JSONValue[] {
  const endCursor = endCursorOf(journal);
  const opts = openPaginationOpts(args);
  if (endCursor === null || opts === null) return args;
  const first = args[0] as JsonObject;
  return [{ ...first, paginationOpts: { ...opts, endCursor } }, ...args.slice(1)];
}

/** The journal to keep after a run: an existing one stays; a first paginated run records its end. */
export function journalAfterRun(args: JSONValue[], journal: QueryJournal, result: JSONValue): QueryJournal {
  if (journal !== null || openPaginationOpts(args) === null) return journal;
  if (!isObject(result) || !Array.isArray(result.page) || typeof result.continueCursor !== "string") return journal;
  return JSON.stringify({ endCursor: result.continueCursor });
}
