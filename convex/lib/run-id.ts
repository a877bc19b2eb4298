/** The chat.send idempotency key of an app message, fixed when the app writes it. */

/**
 * The row id plus its creation time: both fixed at insert, so every resend after a relay crash uses
 * the same key (the gateway dedupes it). The time part keeps keys apart across backends whose ids
 * restart from the same counter (fresh local development servers sharing one Gateway).
 */
export function appRunId(messageId: string, createdAt: number): string {
  return `${messageId}-${createdAt.toString(36)}`;
}
