/** The codec bound to one paired relay's content key: opens its rows for display, seals what the page sends. */
import type { PairedInstance } from "./device-store.js";
import { opened, type ChatCrypto } from "./opened.js";

// Placeholder until the shared codec lands: rows are plaintext.
export function chatCrypto(_instance: PairedInstance): ChatCrypto {
  return {
    openMessage: async (row) => ({
      messageId: row.messageId,
      role: row.role,
      status: row.status,
      createdAt: row.createdAt,
      order: row.order,
      clientMessageId: row.clientMessageId,
      abortRequested: row.abortRequested,
      gatewayTruncated: row.gatewayTruncated,
      text: opened(row.text),
      error: row.error === undefined ? undefined : opened(row.error),
    }),
    openSession: async (row) => ({
      sessionId: row.sessionKey,
      sessionKey: opened(row.sessionKey),
      title: row.title === undefined ? undefined : opened(row.title),
      lastMessagePreview: row.lastMessagePreview === undefined ? undefined : opened(row.lastMessagePreview),
      updatedAt: row.updatedAt,
      hasActiveRun: row.hasActiveRun,
    }),
    newChat: async (sessionKey) => ({ sessionId: sessionKey, sessionKey: opened(sessionKey) }),
    sealMessage: async (chat, clientMessageId, text) => ({ sessionKey: chat.sessionKey.text, clientMessageId, text }),
  };
}
