/** Says in the page's words why a claim or a device call failed; each failure is classified here, once. */
import { convexErrorData } from "../../src/convex-sync/convex-error.js";

export type FailureKind = "expired" | "claimed" | "invalid" | "rate-limited" | "unauthorized" | "offline" | "unreachable" | "refused";

export interface Failure {
  kind: FailureKind;
  message: string;
}

const PAIR_AGAIN = "Run `fastclaw-relay pair` on the relay's computer for a new code.";

/** A call that got no answer in time: the deployment (or the network on the way) is not reachable. */
export class NoAnswerError extends Error {
  override readonly name = "NoAnswerError";
}

export function describeFailure(error: unknown, online: boolean): Failure {
  if (!online) return { kind: "offline", message: "You are offline. Connect to the internet and try again." };
  if (error instanceof NoAnswerError) {
    return { kind: "unreachable", message: "The relay's Convex deployment does not answer. Check your connection, or try again in a moment." };
  }
  const data = convexErrorData(error);
  switch (data?.code) {
    case "PAIRING_EXPIRED":
      return { kind: "expired", message: `This pairing code has expired or was replaced by a newer one. ${PAIR_AGAIN}` };
    case "PAIRING_ALREADY_CLAIMED":
      return { kind: "claimed", message: `This pairing code was already used by another device. ${PAIR_AGAIN}` };
    case "PAIRING_INVALID":
      return { kind: "invalid", message: `This pairing code is unknown here. Check that the link is complete. ${PAIR_AGAIN}` };
    case "RATE_LIMITED": {
      const minutes = Math.max(1, Math.ceil((data.retryAfterMs ?? 60_000) / 60_000));
      return { kind: "rate-limited", message: `Too many failed pairing attempts. Try again in about ${minutes} min.` };
    }
    case "UNAUTHORIZED":
      return { kind: "unauthorized", message: "This relay no longer accepts this device (it was unpaired or reset). Pair again." };
    default:
      if (data === undefined) return { kind: "unreachable", message: "Something went wrong talking to the relay's deployment. Try again." };
      return { kind: "refused", message: `The deployment refused this: ${data.message ?? data.code}` };
  }
}

/** Rejects with NoAnswerError when `promise` has not settled within `ms`. */
export async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new NoAnswerError(`no answer within ${Math.round(ms / 1000)} s`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
