/** Turns what Convex answered (a ConvexError's `{code, message}`, or a transport failure) into a ChatError. */
import { terminalLine } from "../terminal-text.js";
import { convexErrorData, type ConvexErrorData } from "../convex-sync/convex-error.js";
import { ChatError } from "./chat-error.js";

/** A ConvexError's data with its message made safe to show as one line of ours. */
function refusal(error: unknown): (ConvexErrorData & { message: string }) | undefined {
  const data = convexErrorData(error);
  // The deployment's words cannot break out of the line they are shown in.
  return data && { ...data, message: terminalLine(data.message ?? data.code) };
}

const PAIR_AGAIN = "Run `fastclaw-relay pair` on the relay's machine for a new code, then pass it with --pair.";

/** Why a claim failed, in words; anything that is not a ConvexError passes through unchanged. */
export function claimError(error: unknown): unknown {
  if (error instanceof ChatError) return error;
  const data = refusal(error);
  if (!data) return error;
  switch (data.code) {
    case "PAIRING_INVALID":
      return new ChatError("PAIRING_FAILED", "this pairing code is unknown to the Convex deployment", `Check that the link is complete and points at the relay's Convex URL. ${PAIR_AGAIN}`);
    case "PAIRING_EXPIRED":
      return new ChatError("PAIRING_FAILED", "this pairing code has expired, was replaced by a newer one, or was revoked", PAIR_AGAIN);
    case "PAIRING_ALREADY_CLAIMED":
      return new ChatError("PAIRING_FAILED", "this pairing code was already used by another device", PAIR_AGAIN);
    case "RATE_LIMITED": {
      const minutes = Math.max(1, Math.ceil((data.retryAfterMs ?? 60_000) / 60_000));
      return new ChatError("PAIRING_FAILED", "too many failed pairing attempts from this address", `Try again in about ${minutes} min.`);
    }
    default:
      return new ChatError("PAIRING_FAILED", `Convex refused the pairing (${data.code}: ${data.message})`, PAIR_AGAIN);
  }
}

/** A device call refused as UNAUTHORIZED means this chat device was unpaired (or `pair --reset` ran). */
export function deviceError(error: unknown, deviceFile: string): unknown {
  if (error instanceof ChatError) return error;
  const data = refusal(error);
  if (data?.code === "UNAUTHORIZED") {
    return new ChatError(
      "UNAUTHORIZED",
      "Convex no longer accepts this chat device (it was unpaired, or `fastclaw-relay pair --reset` revoked every device)",
      `Pair again: give the link from \`fastclaw-relay pair --json\` to \`fastclaw-relay chat --pair -\` on standard input (replaces ${deviceFile}).`,
    );
  }
  if (data?.code === "RATE_LIMITED") {
    const seconds = Math.max(1, Math.ceil((data.retryAfterMs ?? 1000) / 1000));
    return new ChatError("REFUSED", `Convex refused the request (${data.code}: ${data.message})`, `Try again in ${seconds} s.`);
  }
  if (data) return new ChatError("REFUSED", `Convex refused the request (${data.code}: ${data.message})`);
  return error;
}
