/** The live list of chats, newest first, with a preview and a "replying" marker. */
import type { SessionRow } from "../api.js";
import { clock } from "./format.js";

/** Prefix of the keys of chats started here ("New chat"): random, so never shown as a name. */
export const WEB_CHAT_PREFIX = "web-";

export function sessionTitle(session: { sessionKey: string; title?: string; lastMessagePreview?: string }): string {
  if (session.title && session.title.trim() !== "") return session.title;
  // "agent:main:main" → "main"; the agent prefix is noise on a phone.
  const parts = session.sessionKey.split(":");
  const name = parts.length >= 3 && parts[0] === "agent" ? parts.slice(2).join(":") : session.sessionKey;
  if (!name.startsWith(WEB_CHAT_PREFIX)) return name;
  const preview = session.lastMessagePreview?.trim();
  return preview ? (preview.length > 40 ? `${preview.slice(0, 40)}…` : preview) : "New chat";
}

export interface SessionListProps {
  sessions: SessionRow[] | undefined;
  selected: string | undefined;
  now: number;
  onOpen: (sessionKey: string) => void;
  onNew: () => void;
}

export function SessionList({ sessions, selected, now, onOpen, onNew }: SessionListProps) {
  return (
    <nav class="sessions" aria-label="Chats">
      <div class="sessions-head">
        <h2>Chats</h2>
        <button type="button" class="primary small" onClick={onNew}>
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
          {sessions.map((session) => (
            <li key={session.sessionKey}>
              <button
                type="button"
                class="session"
                aria-current={session.sessionKey === selected ? "true" : undefined}
                onClick={() => onOpen(session.sessionKey)}
              >
                <span class="session-top">
                  <span class="session-title">{sessionTitle(session)}</span>
                  <span class="session-time">{clock(session.updatedAt, now)}</span>
                </span>
                <span class="session-preview">
                  {session.hasActiveRun ? <span class="replying">replying… </span> : null}
                  {session.lastMessagePreview ?? ""}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}
