/** One try of an app message (its files, then chat.send), and the outbox's rule for what a failed try leads to. */
import type { AttachmentLoad, AttachmentSource } from "./app-files.js";
import { gatewayFailureOf, type ChatSendResult, type GatewayFailure, type GatewayPort } from "./ports.js";

/** What a try sends: the row's text and files, under the idempotency key the backend fixed. */
export interface OutgoingMessage {
  messageId: string;
  sessionKey: string;
  text: string;
  /** The chat.send idempotency key, fixed by the backend when the app wrote the row. */
  runId: string;
  /** Set when the message has files; without it no file lookup is made before sending. */
  fileCount?: number;
}

/**
 * The message's files first (a refusal there sends nothing), then chat.send. A resend (a retry, or after a
 * crash) loads the same files again and goes under the same idempotency key, so the Gateway runs it once.
 */
export async function sendOnce(message: OutgoingMessage, gateway: GatewayPort, attachments: AttachmentSource | undefined): Promise<ChatSendResult> {
  const { sessionKey, text, runId } = message;
  // The ports answer with data; a rejection would be a bug in one, and must not strand the message in `sending`.
  const asFailure = (error: unknown): ChatSendResult => ({ ok: false, failure: gatewayFailureOf(error) });
  const files = attachments && (message.fileCount ?? 0) > 0
    ? await attachments.load(message.messageId).catch((error: unknown): AttachmentLoad => ({ ok: false, failure: gatewayFailureOf(error) }))
    : undefined;
  if (files !== undefined && !files.ok) return files;
  const withFiles = files !== undefined && files.files.length > 0 ? { attachments: files.files } : {};
  return await gateway.chatSend({ sessionKey, message: text, idempotencyKey: runId, ...withFiles }).catch(asFailure);
}

/** The pause after a message's first transient failure unless the outbox is told otherwise; it doubles per failure. */
export const DEFAULT_RETRY_DELAY_MS = 2_000;
/** The longest pause between two tries of one message. */
const MAX_RETRY_DELAY_MS = 30_000;
/** A chat.send refused this often because the session changed under it (a `race` failure) is failed with that reason. */
export const MAX_RACE_REFUSALS = 5;

/** Tries so far of one message: transient failures set the backoff, race refusals are bounded by MAX_RACE_REFUSALS. */
export interface Tries {
  failures: number;
  races: number;
}

export const NO_TRIES: Readonly<Tries> = { failures: 0, races: 0 };

/**
 * What a failed send leads to: `failed` for good (refused, or raced too often; `races` counts the
 * race refusals worth naming), `expired` (it outlived its age while the send was out), or another
 * try after `delayMs` with the updated record.
 */
export type NextTry = { kind: "failed"; races: number } | { kind: "expired" } | { kind: "retry"; tries: Tries; delayMs: number };

export interface RetryRule {
  /** The pause after the first transient failure. */
  baseDelayMs: number;
  /** Jitter, in [0, 1). */
  random: () => number;
}

export function nextTry(tries: Tries, failure: GatewayFailure, pastAge: boolean, rule: RetryRule): NextTry {
  if (failure.kind === "rejected") return { kind: "failed", races: 0 };
  const races = tries.races + (failure.kind === "race" ? 1 : 0);
  if (races >= MAX_RACE_REFUSALS) return { kind: "failed", races };
  if (pastAge) return { kind: "expired" };
  const failures = tries.failures + 1;
  return { kind: "retry", tries: { failures, races }, delayMs: retryDelay(failures, rule) };
}

/** Doubling, capped, with jitter: refusals caused by a burst of sends must not all come back as one burst. */
export function retryDelay(failures: number, rule: RetryRule): number {
  const base = rule.baseDelayMs;
  const delay = Math.min(base * 2 ** (failures - 1), Math.max(base, MAX_RETRY_DELAY_MS));
  return delay / 2 + (rule.random() * delay) / 2;
}
