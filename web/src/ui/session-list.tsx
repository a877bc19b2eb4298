/** The live list of chats, newest first, with a preview and a "replying" marker. */
import type { ChatSession, Opened } from "../opened.js";
import { clock } from "./format.js";
import { UNREADABLE_LABEL } from "./sealed.js";

/** Prefix of the keys of chats started here ("New chat"): random, so never shown as a name. */
export const WEB_CHAT_PREFIX = "web-";

/** A chat's name: its title, else its key without the agent prefix, else (a chat started here) its preview. */
export function sessionTitle(session: { sessionKey: Opened; title?: Opened; lastMessagePreview?: Opened }): { text: string; unreadable: boolean } {
  const title = session.title;
  if (title !== undefined && (!title.ok || title.text.trim() !== "")) return title.ok ? { text: title.text, unreadable: false } : { text: UNREADABLE_LABEL, unreadable: true };
  if (!session.sessionKey.ok) return { text: UNREADABLE_LABEL, unreadable: true };
  // "agent:main:main" → "main"; the agent prefix is noise on a phone.
  const key = session.sessionKey.text;
  const parts = key.split(":");
  const name = parts.length >= 3 && parts[0] === "agent" ? parts.slice(2).join(":") : key;
  if (!name.startsWith(WEB_CHAT_PREFIX)) return { text: name, unreadable: false };
  const preview = session.lastMessagePreview?.ok ? session.lastMessagePreview.text.trim() : "";
  return { text: preview ? (preview.length > 40 ? `${preview.slice(0, 40)}…` : preview) : "New chat", unreadable: false };
}

export interface SessionListProps {
  sessions: ChatSession[] | undefined;
  selected: string | undefined;
  now: number;
  onOpen: (session: ChatSession) => void;
  /** Absent while no chat can be started (this device holds no key to seal one with). */
  onNew?: () => void;
}

function Preview({ preview }: { preview: Opened | undefined }) {
  if (preview === undefined) return null;
  return preview.ok ? <>{preview.text}</> : <span class="unreadable">{UNREADABLE_LABEL}</span>;
}

export function SessionList({ sessions, selected, now, onOpen, onNew }: SessionListProps) {
  return (
    <nav class="sessions" aria-label="Chats">
      <div class="sessions-head">
        <h2>Chats</h2>
        <button type="button" class="primary small" onClick={onNew} disabled={onNew === undefined}>
          New chat
        </button>
      </div>
      {sessions === undefined ? (
        <p class="muted" role="status">
          Loading chats…
        </p>
      ) : sessions.length === 0 ? (
        <p class="muted">No chats yet. Start one with “New chat”.</p>
      ) : (
        <ul class="session-list">
          {sessions.map((session) => {
            const title = sessionTitle(session);
            return (
              <li key={session.sessionId}>
                <button
                  type="button"
                  class="session"
                  aria-current={session.sessionId === selected ? "true" : undefined}
                  onClick={() => onOpen(session)}
                >
                  <span class="session-top">
                    <span class={`session-title${title.unreadable ? " unreadable" : ""}`}>{title.text}</span>
                    <span class="session-time">{clock(session.updatedAt, now)}</span>
                  </span>
                  <span class="session-preview">
                    {session.hasActiveRun ? <span class="replying">replying… </span> : null}
                    <Preview preview={session.lastMessagePreview} />
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </nav>
  );
}
