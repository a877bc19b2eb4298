/** What the page shows of encrypted rows: each sealed field opened to its text, or the reason it can't be. */
import type { FunctionArgs } from "convex/server";
import type { api, MessageRow, SessionRow } from "./api.js";
import type { UploadPort } from "../../src/convex-sync/file-transfer.js";
import type { AttachmentInput, LocalFile, OpenedAttachment, StoredFile } from "../../src/app-client/client-files.js";

/**
 * Why a sealed field is not shown: `no-key` this device was paired without a content key (before
 * encryption); `other-key` it was written under a key this device does not hold (the relay was reset
 * after this device paired); `tampered` it failed authentication (altered, or moved from another row).
 */
export type Unreadable = "no-key" | "other-key" | "tampered";

/** A field as the page may show it. `legacy`: stored in plaintext before encryption (shown, and marked). */
export type Opened = { ok: true; text: string; legacy?: boolean } | { ok: false; why: Unreadable };

export const opened = (text: string, legacy?: boolean): Opened => (legacy ? { ok: true, text, legacy } : { ok: true, text });

/** A message row with its text (and error reason) opened; every other field is Convex's routing metadata. */
export interface ChatMessage {
  messageId: MessageRow["messageId"];
  role: MessageRow["role"];
  status: MessageRow["status"];
  createdAt: number;
  order?: number;
  clientMessageId?: string;
  abortRequested?: boolean;
  gatewayTruncated?: boolean;
  text: Opened;
  error?: Opened;
}

/** A chat the page can open: `sessionId` is what Convex routes by, `sessionKey` the plaintext key. */
export interface ChatRef {
  sessionId: string;
  sessionKey: Opened;
}

/** app.send's arguments but the device: the chat it goes to and the (sealed) text. */
export type SendArgs = Omit<FunctionArgs<typeof api.app.send>, "deviceToken">;

/** A session row opened for the chats list. */
export interface ChatSession extends ChatRef {
  title?: Opened;
  lastMessagePreview?: Opened;
  updatedAt: number;
  hasActiveRun?: boolean;
}

/** What a page needs to read and write one relay's chats: the codec, bound to that relay's content key. */
export interface ChatCrypto {
  openMessage(row: MessageRow): Promise<ChatMessage>;
  openSession(row: SessionRow): Promise<ChatSession>;
  /** The reference of a chat started here, from its plaintext key. */
  newChat(sessionKey: string): Promise<ChatRef>;
  /** What app.send takes to queue `text` in a chat whose key this device can read. */
  sealMessage(chat: ChatRef & { sessionKey: { ok: true; text: string } }, clientMessageId: string, text: string): Promise<SendArgs>;
  /** Seals a (checked) file for the chat and uploads it: the entry for app.send's `attachments`. */
  uploadFile(sessionId: string, file: LocalFile, port: UploadPort): Promise<AttachmentInput>;
  /** Downloads a file of a message in the chat `sessionId` and opens it (rejects when it cannot be read). */
  openFile(sessionId: string, file: StoredFile): Promise<OpenedAttachment>;
}

export type { MessageRow, SessionRow };
