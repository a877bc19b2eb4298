/** ChatError: an expected failure of the chat client, with a message meant for the person at the terminal. */
import { RelayError } from "../relay-error.js";

export type ChatErrorCode =
  | "NOT_PAIRED"
  | "BAD_PAYLOAD"
  | "PAIRING_FAILED"
  | "UNAUTHORIZED"
  | "UNREACHABLE"
  | "REFUSED"
  | "TIMEOUT"
  | "DEVICE_FILE";

export class ChatError extends RelayError<ChatErrorCode> {
  override readonly name = "ChatError";
}

/** Rejects with a ChatError TIMEOUT when `promise` has not settled within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string, hint?: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new ChatError("TIMEOUT", `${what}: no answer within ${Math.round(ms / 1000)} s`, hint)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
