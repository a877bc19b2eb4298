/** Finds, in a session's newest messages, how far one sent message has got: queued, delivered, streaming, answered. */
import type { AppMessage } from "../app-client/app-client.js";

export type ReplyPhase =
  | "sending" // the row is not in view yet
  | "queued" // waiting in Convex for the relay
  | "delivered" // the Gateway has it; no reply row yet
  | "streaming"
  | "final"
  | "failed" // the Gateway (or the relay) refused the message
  | "expired" // the relay found it too old to deliver
  | "error" // the agent's run failed
  | "aborted";

export interface ReplyState {
  phase: ReplyPhase;
  /** The reply's text so far (cumulative). */
  text: string;
  /** Terminal: nothing more will happen. */
  done: boolean;
  /** Terminal and successful (a final reply). */
  ok: boolean;
  error?: string;
  reply?: AppMessage;
}

const SUCCESS = new Set(["final", "mirrored"]);
const TERMINAL = new Set(["final", "mirrored", "error", "aborted"]);

function isEmptyFinal(row: AppMessage): boolean {
  return SUCCESS.has(row.status) && row.text.trim().length === 0;
}

/**
 * `rows` newest first (as `app:listMessages` pages them). The reply is the assistant row of the same
 * run (`runId` = the message's own id); when that run ended empty (a send into a busy session gets an
 * empty final and its answer arrives under another run), the oldest later assistant row instead.
 */
export function trackReply(rows: readonly AppMessage[], messageId: string): ReplyState {
  const userIndex = rows.findIndex((row) => row.messageId === messageId);
  const user = rows[userIndex];
  if (!user) return { phase: "sending", text: "", done: false, ok: false };
  if (user.status === "failed" || user.status === "expired") {
    return { phase: user.status, text: "", done: true, ok: false, error: user.error ?? `the message was ${user.status}` };
  }
  if (user.status === "queued") return { phase: "queued", text: "", done: false, ok: false };
  const runId = user.runId ?? user.messageId;
  const later = rows.slice(0, userIndex).filter((row) => row.role === "assistant").reverse();
  const own = rows.find((row) => row.role === "assistant" && row.runId === runId);
  const reply = own && !isEmptyFinal(own) ? own : later.find((row) => row !== own && !isEmptyFinal(row));
  if (!reply) return { phase: "delivered", text: "", done: false, ok: false };
  if (!TERMINAL.has(reply.status)) return { phase: "streaming", text: reply.text, done: false, ok: false, reply };
  if (SUCCESS.has(reply.status)) return { phase: "final", text: reply.text, done: true, ok: true, reply };
  const phase = reply.status === "aborted" ? "aborted" : "error";
  return {
    phase,
    text: reply.text,
    done: true,
    ok: false,
    error: reply.error ?? (phase === "aborted" ? "the reply was aborted" : "the agent's run failed"),
    reply,
  };
}
