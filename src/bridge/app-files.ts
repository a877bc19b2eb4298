/** App → agent files: the files of an app message, fetched from Convex storage and opened, ready for chat.send. */
import { MAX_FILE_BYTES, sealedFileBytes } from "../../convex/lib/limits.js";
import { downloadSealedFile, FileTransferError, type FetchPort } from "../convex-sync/file-transfer.js";
import type { api, RelayResult } from "../convex-sync/relay-api.js";
import type { OpenedFile } from "../e2e/file-envelope.js";
import { systemClock, type Clock } from "../gateway/clock.js";
import type { GatewayFailure, OutgoingAttachment } from "./ports.js";

/** A file row as `files.forMessage` gives it. */
export type StoredFile = RelayResult<typeof api.files.forMessage>[number];

/** The files of one message, or why they can't go: a `rejected` failure fails the message, a `transient` one is retried. */
export type AttachmentLoad = { ok: true; files: OutgoingAttachment[] } | { ok: false; failure: GatewayFailure };

/** What the outbox asks before sending an app message. */
export interface AttachmentSource {
  load(messageId: string): Promise<AttachmentLoad>;
}

export interface AppFilesDeps {
  /** `files.forMessage` for a message of this instance. */
  filesOf(messageId: string): Promise<StoredFile[]>;
  fetch: FetchPort;
  /** Opens a file of an app message the relay was given (fcf1, bound to the message's session and the attachment id). */
  open(messageId: string, attachmentId: string, sealed: Uint8Array): Promise<OpenedFile>;
  /** The file's name, opened; undefined when it has none or it does not open (a name is not worth failing the file for). */
  openName(messageId: string, attachmentId: string, nameEnc: string): Promise<string | undefined>;
  /** Largest sealed file fetched (default: the deployment's own ceiling plus the envelope). */
  maxSealedBytes?: number;
  /** How long listing the files may take before the send is retried later (default FILES_LIST_TIMEOUT_MS). */
  listTimeoutMs?: number;
  clock?: Clock;
}

/** A query waits while Convex is away; the session's queue must not wait with it for good. */
export const FILES_LIST_TIMEOUT_MS = 30_000;

export type AppFileCode = "ATTACHMENT_GONE" | "ATTACHMENT_UNDECRYPTABLE" | "ATTACHMENT_TOO_LARGE" | "ATTACHMENT_FETCH_FAILED";

const rejected = (code: AppFileCode, reason: string): AttachmentLoad => ({ ok: false, failure: { kind: "rejected", code, reason } });

/** Why a file did not open, in words for the person who sent it. */
const UNOPENED: Readonly<Record<Extract<OpenedFile, { ok: false }>["reason"], string>> = {
  "unknown-key": "is sealed with another key (pair this device again)",
  malformed: "is not a sealed file (update the app)",
  forged: "does not belong to this message (it could not be authenticated)",
};

/** Loads and opens every file of an app message; each failure is classified here, once. */
export class AppFiles implements AttachmentSource {
  constructor(private readonly deps: AppFilesDeps) {}

  async load(messageId: string): Promise<AttachmentLoad> {
    let rows: StoredFile[];
    try {
      rows = await this.listed(messageId);
    } catch (error) {
      // Convex away or slow: the message stays queued and is tried again.
      return { ok: false, failure: { kind: "transient", code: "ATTACHMENT_FETCH_FAILED", reason: `could not list the message's files: ${messageOf(error)}` } };
    }
    const files: OutgoingAttachment[] = [];
    for (const [index, row] of rows.entries()) {
      const label = `file ${index + 1} of ${rows.length}`;
      if (row.url === null) return rejected("ATTACHMENT_GONE", `${label} is no longer stored (deleted, or past the retention period)`);
      let sealed: Uint8Array;
      try {
        sealed = await downloadSealedFile(this.deps.fetch, row.url, this.deps.maxSealedBytes ?? sealedFileBytes(MAX_FILE_BYTES));
      } catch (error) {
        if (!(error instanceof FileTransferError)) throw error;
        if (error.code === "FILE_GONE") return rejected("ATTACHMENT_GONE", `${label} is no longer stored (deleted, or past the retention period)`);
        if (error.code === "FILE_TOO_LARGE") return rejected("ATTACHMENT_TOO_LARGE", `${label} is larger than the relay takes`);
        return { ok: false, failure: { kind: "transient", code: "ATTACHMENT_FETCH_FAILED", reason: `${label}: ${error.message}` } };
      }
      const opened = await this.deps.open(messageId, row.attachmentId, sealed);
      if (!opened.ok) return rejected("ATTACHMENT_UNDECRYPTABLE", `${label} ${UNOPENED[opened.reason]}`);
      const fileName = row.nameEnc === undefined ? undefined : await this.deps.openName(messageId, row.attachmentId, row.nameEnc);
      files.push({ bytes: opened.bytes, mimeType: row.type, ...(fileName ? { fileName } : {}) });
    }
    return { ok: true, files };
  }

  private listed(messageId: string): Promise<StoredFile[]> {
    const clock = this.deps.clock ?? systemClock;
    const ms = this.deps.listTimeoutMs ?? FILES_LIST_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const timer = clock.setTimeout(() => reject(new Error(`no answer from Convex within ${Math.round(ms / 1000)} s`)), ms);
      this.deps.filesOf(messageId).then(
        (rows) => {
          clock.clearTimeout(timer);
          resolve(rows);
        },
        (error: unknown) => {
          clock.clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
