/** One message: the user's own with its delivery state, or a reply rendered from Markdown. */
import type { ComponentChildren } from "preact";
import { useMemo } from "preact/hooks";
import { renderBlocks } from "../markdown.js";
import type { ChatMessage, Opened } from "../opened.js";
import { clock } from "./format.js";
import { Sealed, reasonText } from "./sealed.js";

export interface MessageItemProps {
  row: ChatMessage;
  now: number;
  onRetry: (text: string) => void;
  /** The message's files (shown under its text). */
  children?: ComponentChildren;
}

function OwnStatus({ row, onRetry }: { row: ChatMessage; onRetry: (text: string) => void }) {
  const text = row.text;
  switch (row.status) {
    case "queued":
      return <span class="status">Queued · waiting for the relay</span>;
    case "failed":
    case "expired":
      return (
        <span class="status bad" role="alert">
          {row.status === "failed" ? "Not delivered" : "Expired, not sent"}
          {reasonText(row.error)}{" "}
          {text.ok ? (
            <button type="button" class="link-button" onClick={() => onRetry(text.text)}>
              {row.status === "failed" ? "Retry" : "Send again"}
            </button>
          ) : null}
        </span>
      );
    default:
      return <span class="status">Delivered</span>;
  }
}

function ReplyStatus({ row }: { row: ChatMessage }) {
  if (row.status === "streaming") return <span class="status">{row.abortRequested ? "Stopping…" : "Replying…"}</span>;
  if (row.status === "aborted") return <span class="status bad">Reply stopped</span>;
  if (row.status === "error") return <span class="status bad">Reply failed{reasonText(row.error)}</span>;
  return null;
}

/** Replies are Markdown; what the user typed is shown as typed; a field that can't be opened says so, never guesses. */
function messageBody(own: boolean, text: Opened) {
  if (!text.ok) return <Sealed why={text.why} />;
  return own ? <p class="plain">{text.text}</p> : renderBlocks(text.text);
}

export function MessageItem({ row, now, onRetry, children }: MessageItemProps) {
  const own = row.role === "user";
  const body = useMemo(() => messageBody(own, row.text), [own, row.text]);
  const kind = own ? "own" : row.role === "assistant" ? "reply" : "note";
  return (
    <article
      class={`message ${kind}${row.text.ok ? "" : " unreadable"}`}
      data-status={row.status}
      data-message-id={row.messageId}
      data-sealed={row.text.ok ? (row.text.legacy ? "legacy" : "open") : row.text.why}
    >
      <span class="sr-only">{own ? "You" : row.role === "assistant" ? "Agent" : row.role}:</span>
      <div class="bubble">
        {body}
        {children}
        {row.status === "streaming" && row.text.ok && row.text.text === "" ? <span class="typing" aria-label="Replying" /> : null}
      </div>
      <div class="meta">
        <time dateTime={new Date(row.createdAt).toISOString()}>{clock(row.createdAt, now)}</time>
        {own ? <OwnStatus row={row} onRetry={onRetry} /> : <ReplyStatus row={row} />}
        {row.text.ok && row.text.legacy ? <span class="status legacy">Not end-to-end encrypted (stored before encryption)</span> : null}
      </div>
    </article>
  );
}

/** A message this page is still handing to Convex (not yet a row): never shown as sent. */
export function PendingItem({ text, error, onRetry }: { text: string; error?: string; onRetry: () => void }) {
  return (
    <article class="message own" data-status={error ? "not-sent" : "sending"}>
      <div class="bubble">
        <p class="plain">{text}</p>
      </div>
      <div class="meta">
        {error ? (
          <span class="status bad" role="alert">
            Not sent: {error}{" "}
            <button type="button" class="link-button" onClick={onRetry}>
              Retry
            </button>
          </span>
        ) : (
          <span class="status">Sending…</span>
        )}
      </div>
    </article>
  );
}
