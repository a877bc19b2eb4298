/** Agent → app files: media of mirrored transcript rows, fetched from the Gateway, sealed, stored in Convex and attached to their row. */
import { createHash } from "node:crypto";
import { MAX_FILE_BYTES } from "../../convex/lib/limits.js";
import { convexErrorCode } from "../convex-sync/convex-error.js";
import { systemClock, type Clock } from "../gateway/clock.js";
import type { DownloadedMedia } from "../gateway/media-download.js";
import type { TranscriptMedia } from "../gateway/transcript-media.js";
import type { TranscriptRow } from "../gateway/transcript-row.js";
import type { Logger } from "../logging/logger.js";
import { gatewayFailureOf } from "./ports.js";
import type { MediaSink } from "./transcript-mirror.js";

/** A file as `files.attach` takes it. */
export interface GatewayFileInput {
  attachmentId: string;
  storageId: string;
  type: string;
  nameEnc?: string;
}

export interface MediaMirrorDeps {
  /** The Convex id of the Gateway row of a transcript message (`files.gatewayMessage`); null until its ingest landed. */
  messageIdOf(gatewayMessageId: string): Promise<string | null>;
  /** The attachment ids the row already has (`files.attachmentIds`). */
  attachedIds(messageId: string): Promise<string[]>;
  /** An artifact's bytes (`connection.downloadMedia`); throws a classified GatewayError. */
  download(sessionKey: string, artifactId: string): Promise<DownloadedMedia>;
  /** The row read again (chat.message.get), for files the Gateway had not stored yet; undefined when it can't be read. */
  reread(sessionKey: string, gatewayMessageId: string): Promise<TranscriptMedia[] | undefined>;
  /** fcf1 for the row's session and the attachment id; the name as a text envelope. */
  seal(sessionKey: string, attachmentId: string, bytes: Uint8Array): Promise<Uint8Array>;
  sealName(sessionKey: string, attachmentId: string, name: string): Promise<string>;
  /** `files.relayUploadUrl` + the POST; the storage id. */
  upload(sealed: Uint8Array): Promise<string>;
  /** `files.attach`: idempotent on the attachment id. */
  attach(messageId: string, file: GatewayFileInput): Promise<void>;
  logger: Logger;
  clock?: Clock;
}

/** The relay's limits and pauses for agent media, each in one place. */
export const MEDIA_MIRROR_LIMITS = {
  /** Rows waiting for their files; past this new ones are dropped (logged): memory stays bounded. */
  maxQueuedRows: 100,
  /** Reads of a row whose `MEDIA:` lines the Gateway has not turned into files yet, and the first pause (doubling). */
  rereads: 5,
  rereadDelayMs: 1_000,
  /** Looks for the row in Convex (its ingest may still be in the spool), and the pause between. */
  rowLookups: 6,
  rowLookupDelayMs: 1_000,
  /** Tries of one file after transient failures, and the first pause (doubling). */
  fileTries: 3,
  fileRetryDelayMs: 1_000,
} as const;

/** A Gateway refusal, or Convex refusing the file (its type, its size, a rate limit's verdict): trying again changes nothing. */
function isFinal(error: unknown): boolean {
  const code = convexErrorCode(error);
  if (code !== undefined) return code !== "RATE_LIMITED";
  return gatewayFailureOf(error).kind === "rejected";
}

/** The attachment id of a row's file: the same at every try and after a restart, so a file is attached once. */
export function mediaAttachmentId(gatewayMessageId: string, fileKey: string): string {
  return createHash("sha256").update(`${gatewayMessageId}\n${fileKey}`).digest("base64url").slice(0, 32);
}

interface Job {
  sessionKey: string;
  row: TranscriptRow;
}

/** One row at a time (files are up to tens of MB each), in the order they were written. */
export class MediaMirror implements MediaSink {
  private readonly queue: Job[] = [];
  private readonly clock: Clock;
  private running = false;
  private stopped = false;

  constructor(private readonly deps: MediaMirrorDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  rows(sessionKey: string, rows: readonly TranscriptRow[]): void {
    for (const row of rows) {
      if (this.queue.length >= MEDIA_MIRROR_LIMITS.maxQueuedRows) {
        this.deps.logger.warn("too many transcript rows waiting for their files; this one's files are not stored", { sessionKey });
        continue;
      }
      this.queue.push({ sessionKey, row });
    }
    void this.drain();
  }

  /** Rows being stored or waiting (for status and tests). */
  get busy(): boolean {
    return this.running || this.queue.length > 0;
  }

  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let job = this.queue.shift(); job && !this.stopped; job = this.queue.shift()) {
        try {
          await this.mirror(job);
        } catch (error) {
          const failure = gatewayFailureOf(error);
          this.deps.logger.warn("could not store a transcript row's files", { sessionKey: job.sessionKey, code: failure.code });
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async mirror({ sessionKey, row }: Job): Promise<void> {
    const media = await this.settledMedia(sessionKey, row);
    const fetchable = media.filter((m) => m.source === "artifact" || m.source === "inline");
    if (fetchable.length === 0) return;
    const messageId = await this.rowId(row.gatewayMessageId);
    if (messageId === null) {
      this.deps.logger.warn("a transcript row with files is not in Convex; its files are not stored", { sessionKey });
      return;
    }
    const attached = new Set(await this.deps.attachedIds(messageId));
    for (const [index, file] of fetchable.entries()) {
      const fileKey = file.source === "artifact" ? `artifact:${file.artifactId}` : `inline:${index}`;
      const attachmentId = mediaAttachmentId(row.gatewayMessageId, fileKey);
      if (attached.has(attachmentId)) continue;
      try {
        await this.withRetries(() => this.store(sessionKey, messageId, attachmentId, file));
      } catch (error) {
        const failure = gatewayFailureOf(error);
        this.deps.logger.warn("a file of a transcript row was not stored", { sessionKey, code: failure.code, reason: failure.reason });
      }
    }
  }

  /** The row's files once the Gateway has stored them (bounded): `pending` references are read again. */
  private async settledMedia(sessionKey: string, row: TranscriptRow): Promise<TranscriptMedia[]> {
    let media = row.media ?? [];
    let delay: number = MEDIA_MIRROR_LIMITS.rereadDelayMs;
    for (let read = 0; media.some((m) => m.source === "pending") && read < MEDIA_MIRROR_LIMITS.rereads && !this.stopped; read += 1) {
      await this.sleep(delay);
      delay *= 2;
      media = (await this.deps.reread(sessionKey, row.gatewayMessageId)) ?? media;
    }
    return media;
  }

  private async rowId(gatewayMessageId: string): Promise<string | null> {
    for (let look = 0; look < MEDIA_MIRROR_LIMITS.rowLookups && !this.stopped; look += 1) {
      const id = await this.deps.messageIdOf(gatewayMessageId);
      if (id !== null) return id;
      await this.sleep(MEDIA_MIRROR_LIMITS.rowLookupDelayMs);
    }
    return null;
  }

  private async store(sessionKey: string, messageId: string, attachmentId: string, file: Extract<TranscriptMedia, { source: "artifact" | "inline" }>): Promise<void> {
    const got =
      file.source === "artifact"
        ? await this.deps.download(sessionKey, file.artifactId)
        : { bytes: Buffer.from(file.base64, "base64"), mimeType: file.mimeType ?? "application/octet-stream", fileName: file.fileName };
    if (got.bytes.byteLength > MAX_FILE_BYTES) {
      this.deps.logger.warn("a file of a transcript row is larger than Convex stores; skipped", { sessionKey, bytes: got.bytes.byteLength });
      return;
    }
    const sealed = await this.deps.seal(sessionKey, attachmentId, got.bytes);
    const storageId = await this.deps.upload(sealed);
    const name = got.fileName ?? file.fileName;
    const nameEnc = name ? await this.deps.sealName(sessionKey, attachmentId, name) : undefined;
    await this.deps.attach(messageId, { attachmentId, storageId, type: got.mimeType, ...(nameEnc ? { nameEnc } : {}) });
  }

  /** Transient failures (a link that expired, the network) are tried again; a final one is thrown at once. */
  private async withRetries(task: () => Promise<void>): Promise<void> {
    let delay: number = MEDIA_MIRROR_LIMITS.fileRetryDelayMs;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await task();
      } catch (error) {
        if (isFinal(error) || attempt >= MEDIA_MIRROR_LIMITS.fileTries || this.stopped) throw error;
        await this.sleep(delay);
        delay *= 2;
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimeout(resolve, ms));
  }
}
