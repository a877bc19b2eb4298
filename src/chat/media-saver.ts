/** Saves media that arrives with a reply: a private directory, files only this user reads, names we make ourselves. */
import { chmod, mkdir, open } from "node:fs/promises";
import path from "node:path";
import type { AppClient } from "../app-client/app-client.js";
import { extensionForType, type OpenedAttachment } from "../app-client/client-files.js";

/** Where received media goes unless `--media-dir` says otherwise (under the state dir, next to the chat device). */
export const MEDIA_DIR_NAME = "chat-media";
/** How much of a peer-given name a saved file keeps. */
const MAX_NAME_STEM = 60;

/**
 * A file name that cannot leave the directory or do anything on a terminal: the stem of the given name (its last
 * path part) reduced to [A-Za-z0-9._-], no leading dot, and the extension of the declared type, never the name's.
 */
export function safeFileName(attachment: Pick<OpenedAttachment, "attachmentId" | "type" | "name">): string {
  const given = (attachment.name ?? "").split(/[\\/]/).pop() ?? "";
  const dot = given.lastIndexOf(".");
  const stem = (dot > 0 ? given.slice(0, dot) : given)
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[._-]+/, "")
    .slice(0, MAX_NAME_STEM);
  // The attachment id keeps two files of one name apart; it is [A-Za-z0-9_-] already (Convex checks it).
  const id = attachment.attachmentId.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 12);
  return `${stem === "" ? "file" : stem}-${id}.${extensionForType(attachment.type)}`;
}

/** Writes one opened attachment into `dir` (created 0700) as a new 0600 file; an existing one is never overwritten. */
export async function saveMedia(dir: string, attachment: OpenedAttachment): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const name = safeFileName(attachment);
  const dot = name.lastIndexOf(".");
  for (let n = 0; ; n += 1) {
    const file = path.join(dir, n === 0 ? name : `${name.slice(0, dot)}-${n}${name.slice(dot)}`);
    let handle;
    try {
      handle = await open(file, "wx", 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST" && n < 100) continue;
      throw error;
    }
    try {
      await handle.writeFile(attachment.bytes);
    } finally {
      await handle.close();
    }
    return file;
  }
}

/**
 * Downloads, opens and saves the files of one message (a reply); returns a line for each, saved or why not.
 * The caller prints the lines through its terminal-escaping sink.
 */
export async function saveMessageMedia(app: Pick<AppClient, "messageFiles" | "openAttachment">, sessionKey: string, messageId: string, dir: string): Promise<string[]> {
  const listed = await app.messageFiles([messageId]);
  const lines: string[] = [];
  for (const { files } of listed) {
    for (const file of files) {
      try {
        const opened = await app.openAttachment(sessionKey, file);
        lines.push(`[media] ${file.type} saved to ${await saveMedia(dir, opened)}`);
      } catch (error) {
        lines.push(`[media] a file (${file.type}) could not be saved: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  return lines;
}
