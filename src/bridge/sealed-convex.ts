/** The bridge's Convex side with end-to-end encryption: seals every write, opens what the app sent, hides session keys. */
import { isSessionId, sessionIdFor } from "../e2e/content-key.js";
import { envelopeKid, open, seal, type OpenFailure } from "../e2e/envelope.js";
import { fileContext, fileNameContext, openFile, sealFile, type OpenedFile } from "../e2e/file-envelope.js";
import type { KeyRing } from "../e2e/key-ring.js";
import { appRow, sessionContext } from "../e2e/row-contexts.js";
import type { Logger } from "../logging/logger.js";
import { getFunctionName } from "convex/server";
import type { Id } from "../../convex/_generated/dataModel.js";
import { api, type RelayArgs, type RelayMutation, type RelayQuery, type RelayResult } from "../convex-sync/relay-api.js";
import type { ConvexSide } from "./ports.js";
import { sealWrite, type SealScope } from "./seal-writes.js";

type Args = Record<string, unknown>;

/** What the relay tells the app about a queued message it cannot open (sealed like every reason). */
export const UNOPENED_REASON: Readonly<Record<OpenFailure | "wrong-session", string>> = {
  legacy: "not end-to-end encrypted: send it again from an updated app",
  "unknown-key": "sealed with another key: pair this device again (`fastclaw-relay pair`)",
  malformed: "could not be decrypted by the relay (malformed)",
  forged: "could not be decrypted by the relay (it does not belong to this row)",
  "wrong-session": "could not be decrypted by the relay (its session key does not match its session)",
};

interface RawPending {
  messageId: string;
  sessionKey: string;
  sessionKeyEnc?: string;
  text: string;
  clientMessageId: string;
}

interface AppMessage {
  sessionId: string;
  row: string;
}

/** A queued row as opened, with the sealed fields it was opened from (a changed row is opened again). */
interface OpenedPending {
  sealedText: string;
  sessionKeyEnc: string | undefined;
  sessionId: string;
  row: Args;
}

function isRawPending(row: unknown): row is RawPending {
  const r = row as Partial<RawPending> | null;
  return typeof r?.messageId === "string" && typeof r.sessionKey === "string" && typeof r.text === "string" && typeof r.clientMessageId === "string";
}

export class SealedConvex implements ConvexSide {
  private keys: KeyRing;
  /** Writes are sealed one after another, so they reach the inner writer in the order they were made. */
  private chain: Promise<void> = Promise.resolve();
  private readonly sessionIds = new Map<string, string>();
  private readonly sessionKeys = new Map<string, string>();
  /**
   * Where each queued app message belongs (its session id and row), for sealing what the relay writes about it
   * and opening its files: the rows of the latest queue update and of the one before, so a write made just as
   * its row left the queue still finds it, and nothing is kept for the life of the process.
   */
  private appMessages = new Map<string, AppMessage>();
  private appMessagesBefore = new Map<string, AppMessage>();
  /** App messages refused as unopenable by this process (marked failed once). */
  private readonly refused = new Set<string>();
  /** The queue's rows as last opened, by message id. */
  private opened = new Map<string, OpenedPending>();

  constructor(
    private readonly inner: ConvexSide,
    keys: KeyRing,
    private readonly logger: Logger,
  ) {
    this.keys = keys;
  }

  /** After `pair --reset`: everything from now on is sealed with the new key (and its session ids). */
  setKeys(keys: KeyRing): void {
    this.keys = keys;
    this.sessionIds.clear();
    this.sessionKeys.clear();
    this.opened.clear();
  }

  write<F extends RelayMutation>(ref: F, args: RelayArgs<F>, options?: { durable?: boolean }): Promise<void> {
    // Sealing rules are keyed by the function's name: the same name the spool keeps on disk.
    const fn = getFunctionName(ref);
    const sealed = this.chain.then(() => sealWrite(fn, args as Args, this.scope()));
    this.chain = sealed.then(
      () => undefined,
      () => undefined,
    );
    return sealed.then(
      (out) => {
        if (out === null) {
          this.logger.error("a Convex write without a sealing rule was dropped", { fn });
          return;
        }
        // The sealed arguments are the same function's, with text fields replaced by envelopes (strings).
        return this.inner.write(ref, out as RelayArgs<F>, options);
      },
      (error: unknown) => {
        this.logger.error("sealing a Convex write failed; dropped", { fn, error: error instanceof Error ? error.message : String(error) });
      },
    );
  }

  subscribe<Q extends RelayQuery>(query: Q, args: RelayArgs<Q>, onUpdate: (value: RelayResult<Q>) => void, onError: (error: Error) => void): () => void {
    const fn = getFunctionName(query);
    if (fn !== "relay:pendingMessages" && fn !== "relay:abortRequests") return this.inner.subscribe(query, args, onUpdate, onError);
    let latest = Promise.resolve();
    return this.inner.subscribe(
      query,
      args,
      (value) => {
        // Opened in arrival order, so an older list never overwrites a newer one.
        latest = latest
          .then(async () => onUpdate((fn === "relay:pendingMessages" ? await this.openPending(value) : this.resolveAborts(value)) as RelayResult<Q>))
          .catch((error: unknown) => onError(error instanceof Error ? error : new Error(String(error))));
      },
      onError,
    );
  }

  private scope(): SealScope {
    return {
      key: this.keys.current,
      sessionId: (sessionKey) => this.sessionIdOf(sessionKey),
      appMessage: (messageId) => this.appMessageOf(messageId),
    };
  }

  private async sessionIdOf(sessionKey: string): Promise<string> {
    const known = this.sessionIds.get(sessionKey);
    if (known !== undefined) return known;
    const id = await sessionIdFor(this.keys.current, sessionKey);
    this.sessionIds.set(sessionKey, id);
    this.sessionKeys.set(id, sessionKey);
    return id;
  }

  /**
   * Queued app messages with their session key and text opened; the others are refused (marked failed) once.
   * A row is opened once while it stays queued: later updates reuse it when its sealed fields are the same
   * strings, and rows that left the queue are forgotten, so the cache holds the queue and nothing more.
   */
  private async openPending(value: unknown): Promise<unknown[]> {
    if (!Array.isArray(value)) return value as never;
    const out: unknown[] = [];
    const queued = new Map<string, OpenedPending>();
    this.appMessagesBefore = this.appMessages;
    this.appMessages = new Map();
    for (const row of value) {
      if (!isRawPending(row)) {
        out.push(row); // the bridge's shape check drops and logs it
        continue;
      }
      this.appMessages.set(row.messageId, { sessionId: row.sessionKey, row: appRow(row.clientMessageId) });
      const cached = this.opened.get(row.messageId);
      if (cached !== undefined && cached.sealedText === row.text && cached.sessionKeyEnc === row.sessionKeyEnc && cached.sessionId === row.sessionKey) {
        queued.set(row.messageId, cached);
        out.push(cached.row);
        continue;
      }
      const result = await this.openRow(row);
      if (typeof result === "string") {
        this.refuse(row.messageId, result);
        continue;
      }
      const opened = { ...row, sessionKey: result.sessionKey, text: result.text };
      delete (opened as Partial<RawPending>).sessionKeyEnc;
      queued.set(row.messageId, { sealedText: row.text, sessionKeyEnc: row.sessionKeyEnc, sessionId: row.sessionKey, row: opened });
      out.push(opened);
    }
    this.opened = queued;
    return out;
  }

  private appMessageOf(messageId: string): AppMessage | undefined {
    return this.appMessages.get(messageId) ?? this.appMessagesBefore.get(messageId);
  }

  private async openRow(row: RawPending): Promise<{ sessionKey: string; text: string } | OpenFailure | "wrong-session"> {
    if (row.sessionKeyEnc === undefined || !isSessionId(row.sessionKey)) return "legacy";
    const key = await open(this.keys, [sessionContext(row.sessionKey, "sessionKey")], row.sessionKeyEnc);
    if (!key.ok) return key.reason;
    // The copy must be the key whose HMAC is the row's id: else Convex paired a valid copy with another session.
    const sealer = this.keys.byKid(envelopeKid(row.sessionKeyEnc) ?? "");
    if (sealer === undefined) return "wrong-session";
    // A pair this process derived under the current key needs no second HMAC.
    const known = sealer === this.keys.current && this.sessionIds.get(key.text) === row.sessionKey;
    if (!known && (await sessionIdFor(sealer, key.text)) !== row.sessionKey) return "wrong-session";
    const text = await open(this.keys, [{ sessionId: row.sessionKey, field: "text", row: appRow(row.clientMessageId) }], row.text);
    if (!text.ok) return text.reason;
    if (sealer === this.keys.current) {
      this.sessionIds.set(key.text, row.sessionKey);
      this.sessionKeys.set(row.sessionKey, key.text);
    }
    return { sessionKey: key.text, text: text.text };
  }

  private refuse(messageId: string, why: OpenFailure | "wrong-session"): void {
    if (this.refused.has(messageId)) return;
    this.refused.add(messageId);
    this.logger.warn("refused a queued app message the relay cannot open", { messageId, why });
    void this.write(api.relay.markFailed, { messageId: messageId as Id<"messages">, reason: UNOPENED_REASON[why] });
  }

  /** A file of an app message this process was given: bound to the message's session and the file's attachment id. */
  async openAppFile(messageId: string, attachmentId: string, sealed: Uint8Array): Promise<OpenedFile> {
    const app = this.appMessageOf(messageId);
    if (app === undefined) return { ok: false, reason: "forged" };
    return await openFile(this.keys, fileContext(app.sessionId, attachmentId), sealed);
  }

  /** That file's name, or undefined when it does not open. */
  async openAppFileName(messageId: string, attachmentId: string, nameEnc: string): Promise<string | undefined> {
    const app = this.appMessageOf(messageId);
    if (app === undefined) return undefined;
    const name = await open(this.keys, [fileNameContext(app.sessionId, attachmentId)], nameEnc);
    return name.ok ? name.text : undefined;
  }

  /** Agent media for a row of `sessionKey`: fcf1, bound to the session's id and the attachment id. */
  async sealGatewayFile(sessionKey: string, attachmentId: string, bytes: Uint8Array): Promise<Uint8Array> {
    return await sealFile(this.keys.current, fileContext(await this.sessionIdOf(sessionKey), attachmentId), bytes);
  }

  async sealGatewayFileName(sessionKey: string, attachmentId: string, name: string): Promise<string> {
    return await seal(this.keys.current, fileNameContext(await this.sessionIdOf(sessionKey), attachmentId), name);
  }

  /** Abort requests name the session by id; the Gateway needs the key, known from this process's own writes. */
  private resolveAborts(value: unknown): unknown[] {
    if (!Array.isArray(value)) return value as never;
    return value.flatMap((row: { sessionKey?: unknown }) => {
      const sessionKey = typeof row?.sessionKey === "string" ? this.sessionKeys.get(row.sessionKey) : undefined;
      return sessionKey === undefined ? [] : [{ ...row, sessionKey }];
    });
  }
}
