/** A stand-in for the app's Convex side in unit tests: rows a test scripts, pushed to live subscriptions like ConvexClient does. */
import type { AppClient, AppMessage, AppStatus } from "../../src/app-client/app-client.js";
import type { ChatLink } from "../../src/chat/chat-link.js";
import { AttachmentError, checkAttachment, type AttachmentInput, type FilePolicy, type LocalFile, type OpenedAttachment, type StoredFile } from "../../src/app-client/client-files.js";
import type { ChatDevice } from "../../src/chat/device-store.js";
import { generateContentKey, sessionIdFor } from "../../src/e2e/content-key.js";
import { seal } from "../../src/e2e/envelope.js";
import { KeyRing } from "../../src/e2e/key-ring.js";
import { messageContexts } from "../../src/e2e/row-contexts.js";

/** The fake's content key: rows reach the client sealed, as Convex holds them, and are opened by the real codec. */
const KEY = generateContentKey();
const KEYS = await KeyRing.fromStored(KEY);

type Listener = { key: string; cb: (result: unknown) => void; onError?: (e: Error) => void; status: boolean };

export class FakeApp {
  rows: AppMessage[] = []; // oldest first
  status: AppStatus = {
    instanceName: "Desk",
    relay: { online: true, lastSeenAt: Date.now(), version: "0.1.0" },
    gateway: { connected: true, version: "2026.9.6" },
    device: { name: "term", platform: "cli" },
  };
  sent: Array<{ sessionKey: string; text: string }> = [];
  aborts: string[] = [];
  /** Files: the policy `attachFile` checks against, what was uploaded and sent, and the files of rows (by message id). */
  policy: FilePolicy = { maxBytes: 1000, maxImageBytes: 100, retentionMs: 3_600_000 };
  uploads: LocalFile[] = [];
  sentAttachments: AttachmentInput[][] = [];
  files = new Map<string, Array<StoredFile & { opened: OpenedAttachment | Error }>>();
  /** Called after each send with the new row, so a test can script what happens next. */
  onSend: (row: AppMessage) => void = () => undefined;
  sendError: Error | undefined;
  statusError: Error | undefined;
  closed = false;
  private listeners = new Set<Listener>();
  private n = 0;
  /** Deliveries run one after another (sealing is asynchronous), so a listener never sees an older page last. */
  private delivering: Promise<void> = Promise.resolve();
  readonly keys: KeyRing = KEYS;

  readonly client = {
    onUpdate: (_ref: unknown, args: { sessionKey?: string }, cb: (result: unknown) => void, onError?: (e: Error) => void) => {
      const listener: Listener = { key: args.sessionKey ?? "", cb, ...(onError ? { onError } : {}), status: args.sessionKey === undefined };
      this.listeners.add(listener);
      queueMicrotask(() => this.deliver(listener));
      return () => void this.listeners.delete(listener);
    },
  };

  readonly app = {
    convexUrl: "http://fake",
    keys: KEYS,
    client: this.client,
    send: async (sessionKey: string, text: string, _clientMessageId?: string, attachments: AttachmentInput[] = []) => {
      if (this.sendError) throw this.sendError;
      this.sent.push({ sessionKey, text });
      if (attachments.length > 0) this.sentAttachments.push(attachments);
      const row = this.add({ sessionKey, role: "user", text, source: "app", status: "queued" });
      row.runId = row.messageId;
      row.clientMessageId = row.messageId;
      this.onSend(row);
      return { messageId: row.messageId };
    },
    status: async () => {
      if (this.statusError) throw this.statusError;
      return this.status;
    },
    // Opened already, as AppClient.watchStatus hands it on.
    watchStatus: (onUpdate: (status: AppStatus) => void, onError?: (e: Error) => void) => this.client.onUpdate(undefined, {}, onUpdate as (r: unknown) => void, onError),
    requestAbort: async (messageId: string) => void this.aborts.push(messageId),
    listSessions: async () => [{ sessionKey: "agent:main:main", updatedAt: 0, lastMessagePreview: "hi" }],
    listMessages: async (sessionKey: string) => this.rows.filter((r) => r.sessionKey === sessionKey).reverse(),
    close: async () => void (this.closed = true),
    attachFile: async (_sessionKey: string, file: LocalFile): Promise<AttachmentInput> => {
      checkAttachment(this.policy, { name: file.name, type: file.type, size: file.bytes.length });
      this.uploads.push(file);
      return { attachmentId: `attachment-${String(this.uploads.length).padStart(8, "0")}`, storageId: `storage${this.uploads.length}`, type: file.type };
    },
    messageFiles: async (ids: string[]) => ids.filter((id) => this.files.has(id)).map((messageId) => ({ messageId, files: this.files.get(messageId)! })),
    openAttachment: async (_sessionKey: string, file: StoredFile) => {
      const opened = this.files.get([...this.files.keys()].find((id) => this.files.get(id)!.some((f) => f.attachmentId === file.attachmentId))!)!.find((f) => f.attachmentId === file.attachmentId)!.opened;
      if (opened instanceof Error) throw opened;
      return opened;
    },
  } as unknown as AppClient;

  add(fields: Partial<AppMessage> & Pick<AppMessage, "sessionKey" | "role" | "status">): AppMessage {
    this.n += 1;
    const row: AppMessage = { messageId: `r${this.n}`, text: "", source: "gateway", createdAt: this.n, updatedAt: this.n, e2e: "ok", ...fields };
    this.rows.push(row);
    this.emit();
    return row;
  }

  update(messageId: string, fields: Partial<AppMessage>): void {
    const row = this.rows.find((r) => r.messageId === messageId);
    if (!row) throw new Error(`no row ${messageId}`);
    Object.assign(row, fields);
    this.emit();
  }

  setStatus(status: Partial<AppStatus>): void {
    this.status = { ...this.status, ...status };
    this.emit();
  }

  failSubscriptions(error: Error): void {
    for (const l of this.listeners) l.onError?.(error);
  }

  emit(): void {
    for (const l of this.listeners) queueMicrotask(() => this.deliver(l));
  }

  private deliver(l: Listener): void {
    this.delivering = this.delivering.then(async () => {
      if (!this.listeners.has(l)) return;
      if (l.status) return l.cb(this.status);
      // A message subscription names the session by its id, and gets the rows sealed.
      const page: AppMessage[] = [];
      for (const r of [...this.rows].reverse()) {
        const sessionId = await sessionIdFor(this.keys.current, r.sessionKey);
        if (sessionId !== l.key) continue;
        const ids = { ...r, sessionKey: sessionId };
        const sealed: AppMessage = { ...ids, text: await seal(this.keys.current, messageContexts(ids, "text")[0]!, r.text) };
        if (r.error !== undefined) sealed.error = await seal(this.keys.current, messageContexts(ids, "error")[0]!, r.error);
        page.push(sealed);
      }
      if (this.listeners.has(l)) l.cb({ page, isDone: true, continueCursor: "" });
    });
  }

  link(): ChatLink {
    const device: ChatDevice = { version: 1, convexUrl: "http://fake", deviceToken: "t".repeat(43), contentKey: KEY, deviceName: "term", instanceName: "Desk", pairedAt: 0 };
    return { app: this.app, device, deviceFile: "/x/chat-device.json", paired: false, status: () => this.app.status(), close: () => this.app.close() };
  }
}

export function sink(isTTY = false) {
  let text = "";
  return { isTTY, write: (chunk: string) => void (text += chunk), text: () => text };
}

/** The usual happy path: delivered, two streaming states, final. */
export function replies(fake: FakeApp, text: (userText: string) => string = (t) => `Stub reply to: ${t}`): void {
  fake.onSend = (user) => {
    setTimeout(() => {
      fake.update(user.messageId, { status: "delivered" });
      const reply = text(user.text);
      const row = fake.add({ sessionKey: user.sessionKey, role: "assistant", status: "streaming", text: reply.slice(0, 4), runId: user.messageId });
      setTimeout(() => fake.update(row.messageId, { text: reply.slice(0, 10) }), 5);
      setTimeout(() => fake.update(row.messageId, { text: reply, status: "final" }), 10);
    }, 5);
  };
}
