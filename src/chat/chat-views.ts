/** Plain-text views for the interactive chat: the session list, a session's recent messages, the help. */
import type { AppMessage, AppSession } from "../app-client/app-client.js";
import { terminalLine, terminalText } from "../terminal-text.js";

export const HELP_LINES = [
  "Type a message and press Enter to send it to the agent. Commands:",
  "  /sessions        list the sessions (most recent first)",
  "  /session <key>   switch to a session (a bare name means agent:main:<name>) and show its last messages",
  "  /new [name]      start a new session",
  "  /history         show the last messages of this session",
  "  /status          is the relay online, is its Gateway connected?",
  "  /abort           stop the reply that is streaming (Ctrl-C does the same)",
  "  /attach PATH [caption…]  send a file at once, with the caption as its message (quote a PATH with spaces);",
  "                   media in replies is saved to the media directory and its path printed",
  "  /quit            leave (Ctrl-D too)",
];

function clock(at: number): string {
  return new Date(at).toISOString().replace("T", " ").slice(0, 16);
}

/** Titles, previews and reasons come from the Gateway's peers: one line, nothing a terminal would act on. */
function oneLine(text: string, max: number): string {
  const flat = terminalLine(text).replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function sessionLines(sessions: readonly AppSession[], current: string): string[] {
  if (sessions.length === 0) return ["No sessions yet: send a message to start one."];
  return sessions.map((s) => {
    const mark = s.sessionKey === current ? "*" : " ";
    const title = s.title ? ` "${oneLine(s.title, 40)}"` : "";
    const preview = s.lastMessagePreview ? `  ${oneLine(s.lastMessagePreview, 60)}` : "";
    const active = s.hasActiveRun ? " (replying)" : "";
    return `${mark} ${terminalLine(s.sessionKey)}${title}  ${clock(s.updatedAt)}${active}${preview}`;
  });
}

const WHO: Record<AppMessage["role"], string> = { user: "you", assistant: "agent", system: "system", tool: "tool" };

/** `rows` newest first; prints the last `count` oldest first. */
export function historyLines(rows: readonly AppMessage[], count = 10): string[] {
  const last = rows.slice(0, count).reverse();
  if (last.length === 0) return ["(no messages in this session yet)"];
  return last.map((row) => {
    const state = ["final", "mirrored", "delivered"].includes(row.status) ? "" : ` [${row.status}${row.error ? `: ${oneLine(row.error, 80)}` : ""}]`;
    return `${WHO[row.role]}> ${terminalText(row.text)}${state}`;
  });
}
