/** `/attach PATH [caption…]` and `--attach PATH`: parse the command, read the file, and upload it checked against `files.policy`. */
import { open } from "node:fs/promises";
import path from "node:path";
import type { AppClient } from "../app-client/app-client.js";
import { AttachmentError, fileTypeForName, type AttachmentInput } from "../app-client/client-files.js";
import { MAX_FILE_BYTES } from "../../convex/lib/limits.js";
import { FileTransferError } from "../convex-sync/file-transfer.js";
import { ChatError } from "./chat-error.js";

export interface AttachCommand {
  path: string;
  caption: string;
}

/**
 * The path is the first word, or a quoted string ("…" or '…') when it holds spaces; the rest is the caption.
 * Undefined when no path is given.
 */
export function parseAttachCommand(arg: string): AttachCommand | undefined {
  const text = arg.trim();
  if (text === "") return undefined;
  const quote = text[0];
  if (quote === '"' || quote === "'") {
    const end = text.indexOf(quote, 1);
    if (end <= 1) return undefined;
    return { path: text.slice(1, end), caption: text.slice(end + 1).trim() };
  }
  const space = text.search(/\s/);
  return space < 0 ? { path: text, caption: "" } : { path: text.slice(0, space), caption: text.slice(space).trim() };
}

/** Reads a local file to attach, refusing what is not a regular file or is larger than any policy allows. */
export async function readAttachment(file: string): Promise<{ name: string; type: string; bytes: Uint8Array }> {
  const name = path.basename(file);
  let handle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "it is a directory" : (code ?? "cannot open it");
    throw new AttachmentError("UNREADABLE", `cannot read ${file}: ${why}`);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new AttachmentError("UNREADABLE", `cannot read ${file}: not a regular file`);
    // Read no more than the most any deployment accepts: the exact check against the policy comes after.
    if (info.size > MAX_FILE_BYTES) throw new AttachmentError("TOO_LARGE", `${name} is larger than ${MAX_FILE_BYTES / (1024 * 1024)} MiB, more than any relay accepts`);
    const bytes = new Uint8Array(await handle.readFile());
    return { name, type: fileTypeForName(name) ?? "", bytes };
  } catch (error) {
    if (error instanceof AttachmentError) throw error;
    throw new AttachmentError("UNREADABLE", `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? "read failed"}`);
  } finally {
    await handle.close();
  }
}

/** Reads, checks and uploads a file for the next send; every expected failure becomes a ChatError (REFUSED). */
export async function uploadAttachment(app: Pick<AppClient, "attachFile">, sessionKey: string, file: string): Promise<AttachmentInput> {
  try {
    return await app.attachFile(sessionKey, await readAttachment(file));
  } catch (error) {
    if (error instanceof AttachmentError || error instanceof FileTransferError) throw new ChatError("REFUSED", error.message, error.hint);
    throw error;
  }
}
