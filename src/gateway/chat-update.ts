/** A `chat` event as plain values for the bridge: the reply's text is read from the Gateway's message shape here, once. */
import type { ChatEvent } from "@openclaw/gateway-protocol";
import { transcriptText } from "./gateway-events.js";

export interface ChatUpdate {
  state: ChatEvent["state"];
  runId: string;
  sessionKey: string;
  /** The reply's whole text so far, when the event carries its message. */
  text?: string;
  /** The Gateway cut `text` for display (`__openclaw.truncated`): the stream may hold more. */
  cut?: boolean;
  /** A delta's new piece, and whether it replaces the text so far instead of extending it. */
  deltaText?: string;
  replace?: boolean;
  /** Why an `error` run failed. */
  error?: string;
}

export function toChatUpdate(event: ChatEvent): ChatUpdate {
  const update: ChatUpdate = { state: event.state, runId: event.runId, sessionKey: event.sessionKey };
  if (event.state === "status") return update;
  const text = chatMessageText(event.message);
  if (text !== undefined) update.text = text;
  if (isCutByGateway(event.message)) update.cut = true;
  if (event.state === "delta") {
    update.deltaText = event.deltaText;
    if (event.replace === true) update.replace = true;
  }
  if (event.state === "error") {
    const error = event.errorMessage ?? event.errorKind;
    if (error !== undefined) update.error = error;
  }
  return update;
}

/** The text of a chat event's cumulative `message`, when it carries one. */
export function chatMessageText(message: unknown): string | undefined {
  if (typeof message === "string") return message;
  if (typeof message !== "object" || message === null) return undefined;
  if ("content" in message) return transcriptText(message as { role: string; content: unknown });
  const text = (message as { text?: unknown }).text;
  return typeof text === "string" ? text : undefined;
}

/** Whether a chat event's message is a copy the Gateway cut for display (`__openclaw.truncated`). */
function isCutByGateway(message: unknown): boolean {
  if (typeof message !== "object" || message === null) return false;
  const meta = (message as { __openclaw?: unknown }).__openclaw;
  return typeof meta === "object" && meta !== null && (meta as { truncated?: unknown }).truncated === true;
}
