/** Sends one message as the app does and follows it live until its reply is final, fails, or time runs out. */
import { randomUUID } from "node:crypto";
import { makeFunctionReference } from "convex/server";
import type { AppClient, AppMessage } from "../app-client/app-client.js";
import type { AttachmentInput } from "../app-client/client-files.js";
import { openMessageRow, sessionIdOf } from "../e2e/client-rows.js";
import { withTimeout } from "./chat-error.js";
import { trackReply, type ReplyState } from "./reply-tracker.js";

export interface AskOptions {
  sessionKey: string;
  text: string;
  /** Files uploaded before (`AppClient.attachFile`), sent with the message. */
  attachments?: readonly AttachmentInput[];
  /** Give up waiting (the message stays in Convex) after this long. */
  timeoutMs: number;
  /** Every change of the reply's state (the live update of the assistant row). */
  onProgress?: (state: ReplyState) => void;
  /** Stops waiting early (Ctrl-C); the result then says `interrupted`. */
  signal?: AbortSignal;
}

export interface AskResult {
  messageId: string;
  state: ReplyState;
  timedOut: boolean;
  interrupted: boolean;
}

interface Page {
  page: AppMessage[];
}

const listMessages = makeFunctionReference<"query", Record<string, unknown>, Page>("app:listMessages");

/** Subscribes to the session's newest rows; rejects on a query error (e.g. the device was unpaired). */
function follow(app: AppClient, deviceToken: string, options: AskOptions, messageId: string, sessionId: string): Promise<AskResult> {
  return new Promise<AskResult>((resolve, reject) => {
    let state: ReplyState = { phase: "sending", text: "", done: false, ok: false };
    let settled = false;
    let unsubscribe: () => void = () => undefined;
    const finish = (result: { timedOut?: boolean; interrupted?: boolean; error?: unknown }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      unsubscribe();
      if (result.error !== undefined) reject(result.error);
      else resolve({ messageId, state, timedOut: result.timedOut ?? false, interrupted: result.interrupted ?? false });
    };
    const onAbort = () => finish({ interrupted: true });
    const timer = setTimeout(() => finish({ timedOut: true }), options.timeoutMs);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    // Rows are opened one page after another, so a newer page never lands before an older one.
    let opening = Promise.resolve();
    const unsub = app.client.onUpdate(
      listMessages,
      { deviceToken, sessionKey: sessionId, paginationOpts: { numItems: 100, cursor: null } },
      (result) => {
        opening = opening.then(async () => {
          const rows = await Promise.all(result.page.map((row) => openMessageRow(app.keys, row)));
          if (settled) return;
          const next = trackReply(rows, messageId);
          if (next.phase !== state.phase || next.text !== state.text || next.reply?.status !== state.reply?.status) {
            state = next;
            options.onProgress?.(state);
          }
          if (state.done) finish({});
        });
      },
      (error) => finish({ error }),
    );
    unsubscribe = () => unsub();
    if (settled) unsubscribe();
  });
}

export async function ask(app: AppClient, deviceToken: string, options: AskOptions): Promise<AskResult> {
  const { messageId } = await withTimeout(
    app.send(options.sessionKey, options.text, randomUUID(), options.attachments ?? []),
    options.timeoutMs,
    `sending to ${app.convexUrl}`,
    "Check the network, or the Convex URL in the chat device file.",
  );
  return follow(app, deviceToken, options, messageId, await sessionIdOf(app.keys, options.sessionKey));
}
