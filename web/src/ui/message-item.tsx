/** One message: the user's own with its delivery state, or a reply rendered from Markdown. */
import { useMemo } from "preact/hooks";
import type { MessageRow } from "../api.js";
import { renderBlocks } from "../markdown.js";
import { clock } from "./format.js";

export interface MessageItemProps {
  row: MessageRow;
  now: number;
  onRetry: (text: string) => void;
}

function OwnStatus({ row, onRetry }: { row: MessageRow; onRetry: (text: string) => void }) {
  switch (row.status) {
    case "queued":
      return <span class="status">Queued · waiting for the relay</span>;
    case "failed":
    case "expired":
      return (
        <span class="status bad" role="alert">
          {row.status === "failed" ? "Not delivered" : "Expired, not sent"}
          {row.error ? `: ${row.error}` : ""}{" "}
          <button type="button" class="link-button" onClick={() => onRetry(row.text)}>
            {row.status === "failed" ? "Retry" : "Send again"}
          </button>
        </span>
      );
    default:
      return <span class="status">Delivered</span>;
  }
}

function ReplyStatus({ row }: { row: MessageRow }) {
  if (row.status === "streaming") return <span class="status">{row.abortRequested ? "Stopping…" : "Replying…"}</span>;
  if (row.status === "aborted") return <span class="status bad">Reply stopped</span>;
  if (row.status === "error") return <span class="status bad">Reply failed{row.error ? `: ${row.error}` : ""}</span>;
  return null;
}

export function MessageItem({ row, now, onRetry }: MessageItemProps) {
  const own = row.role === "user";
  // Replies are Markdown; what the user typed is shown as typed.
  const body = useMemo(() => (own ? <p class="plain">{row.text}</p> : renderBlocks(row.text)), [own, row.text]);
  const kind = own ? "own" : row.role === "assistant" ? "reply" : "note";
  return (
    <article class={`message ${kind}`} data-status={row.status} data-message-id={row.messageId}>
      <span class="sr-only">{own ? "You" : row.role === "assistant" ? "Agent" : row.role}:</span>
      <div class="bubble">
        {body}
        {row.status === "streaming" && row.text === "" ? <span class="typing" aria-label="Replying" /> : null}
      </div>
      <div class="meta">
        <time dateTime={new Date(row.createdAt).toISOString()}>{clock(row.createdAt, now)}</time>
        {own ? <OwnStatus row={row} onRetry={onRetry} /> : <ReplyStatus row={row} />}
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
