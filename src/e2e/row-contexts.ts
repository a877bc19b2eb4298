/** Row identities: which (session, field, row) each encrypted value of each table is bound to (docs/convex-api.md). */
// Web Crypto only (no Node imports): shared with the web app.
import type { SealContext, SealedField } from "./envelope.js";

/** Session-level fields (session key copy, title, preview, model) are bound to the session id and this row name. */
export const SESSION_ROW = "session";
/** Instance-wide values (the presence row's gateway error) have no session. */
export const NO_SESSION = "";
export const PRESENCE_ROW = "presence";
/** The relay's fixed reason for closing orphaned streams names no row (one call closes many). */
export const ANY_ROW = "*";

/** An app message: bound to the app's own clientMessageId. */
export const appRow = (clientMessageId: string): string => `c:${clientMessageId}`;
/** A reply the relay streams: bound to its run id. */
export const runRow = (runId: string): string => `r:${runId}`;
/** A transcript message the relay mirrors: bound to the Gateway's message id. */
export const transcriptRow = (gatewayMessageId: string): string => `g:${gatewayMessageId}`;
/** A file attached to a message (its bytes, and its name): the writer's attachment id. */
export const attachmentRow = (attachmentId: string): string => `a:${attachmentId}`;

export function sessionContext(sessionId: string, field: Extract<SealedField, "sessionKey" | "title" | "preview" | "model">): SealContext {
  return { sessionId, field, row: SESSION_ROW };
}

export function presenceContext(): SealContext {
  return { sessionId: NO_SESSION, field: "gatewayError", row: PRESENCE_ROW };
}

export function orphanReasonContext(): SealContext {
  return { sessionId: NO_SESSION, field: "error", row: ANY_ROW };
}

/** The ids of a message row as Convex returns them (`app.listMessages`, `relay.pendingMessages`). */
export interface MessageIds {
  sessionKey: string;
  source: "app" | "gateway";
  clientMessageId?: string;
  gatewayMessageId?: string;
  runId?: string;
}

/**
 * Every place a message's text or error may have been sealed for: an app row only under its clientMessageId; a
 * Gateway row under its transcript id (mirrored, or a stream merged with its transcript copy) or its run id (a
 * streamed reply). An error may also be the relay's row-less orphan reason.
 */
export function messageContexts(row: MessageIds, field: "text" | "error"): SealContext[] {
  const rows: string[] = [];
  if (row.source === "app") {
    if (row.clientMessageId) rows.push(appRow(row.clientMessageId));
    // Moved by the Gateway into another session (an alias): the relay's transcript copy, sealed for that session.
    if (row.gatewayMessageId) rows.push(transcriptRow(row.gatewayMessageId));
  } else {
    if (row.gatewayMessageId) rows.push(transcriptRow(row.gatewayMessageId));
    if (row.runId) rows.push(runRow(row.runId));
  }
  const contexts: SealContext[] = rows.map((r) => ({ sessionId: row.sessionKey, field, row: r }));
  if (field === "error") contexts.push(orphanReasonContext());
  return contexts;
}
