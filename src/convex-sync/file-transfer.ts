/** Sealed files to and from Convex file storage: POST to an upload URL, GET a file URL, bounded, with classified errors. */
import { RelayError } from "../relay-error.js";

/** `fetch`, passed in (the relay's, the chat client's, a test's). */
export type FetchPort = (url: string, init?: RequestInit) => Promise<Response>;

export type FileTransferCode = "UPLOAD_FAILED" | "DOWNLOAD_FAILED" | "FILE_GONE" | "FILE_TOO_LARGE";

/** Upload and file URLs are bearer credentials: no message here ever contains one. */
export class FileTransferError extends RelayError<FileTransferCode> {
  override readonly name = "FileTransferError";
}

export interface UploadPort {
  /** A fresh one-time upload URL (`files.generateUploadUrl` for a device, `files.relayUploadUrl` for the relay). */
  uploadUrl: () => Promise<string>;
  fetch: FetchPort;
}

function isStorageAnswer(value: unknown): value is { storageId: string } {
  return typeof value === "object" && value !== null && "storageId" in value && typeof value.storageId === "string" && value.storageId !== "";
}

/**
 * Uploads one sealed file; returns its storage id for `app.send`'s `attachments` or `files.attach`. The body is
 * ciphertext, so it goes as application/octet-stream: the declared type travels in the files row only.
 */
export async function uploadSealedFile(port: UploadPort, sealed: Uint8Array): Promise<string> {
  const url = await port.uploadUrl();
  let response: Response;
  try {
    response = await port.fetch(url, { method: "POST", headers: { "Content-Type": "application/octet-stream" }, body: new Blob([new Uint8Array(sealed)]) });
  } catch (error) {
    throw new FileTransferError("UPLOAD_FAILED", "could not reach Convex file storage to upload", "Check the network and try again.", { cause: error });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new FileTransferError("UPLOAD_FAILED", `Convex file storage refused the upload (HTTP ${response.status})`);
  }
  let answer: unknown;
  try {
    answer = await response.json();
  } catch {
    answer = undefined;
  }
  if (!isStorageAnswer(answer)) throw new FileTransferError("UPLOAD_FAILED", "Convex file storage answered the upload without a storage id");
  return answer.storageId;
}

/** Reads a body, failing as soon as it passes `maxBytes` (a file URL serves whatever is stored; trust no length). */
async function readBounded(response: Response, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const tooLarge = (): FileTransferError => new FileTransferError("FILE_TOO_LARGE", `the file is larger than ${maxBytes} bytes`);
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  if (reader === undefined) return new Uint8Array(0);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Downloads a sealed file from the URL `files.list` / `files.forMessage` gave; FILE_GONE once it was deleted or expired. */
export async function downloadSealedFile(fetchFile: FetchPort, url: string, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  let response: Response;
  try {
    response = await fetchFile(url);
  } catch (error) {
    throw new FileTransferError("DOWNLOAD_FAILED", "could not reach Convex file storage to download", "Check the network and try again.", { cause: error });
  }
  if (response.status === 404) {
    await response.body?.cancel();
    throw new FileTransferError("FILE_GONE", "the file is no longer stored (deleted with its message, or past the retention period)");
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new FileTransferError("DOWNLOAD_FAILED", `Convex file storage refused the download (HTTP ${response.status})`);
  }
  return await readBounded(response, maxBytes);
}
