/** Withdraws a pending pairing code when `pair` stops waiting for it (Ctrl-C, SIGTERM, an agent's timeout). */
import { createConvexCaller, type ConvexCaller } from "./convex-calls.js";
import { api } from "../../convex/_generated/api.js";
import type { Id } from "../../convex/_generated/dataModel.js";
import type { PairingStatus } from "./convex-functions.js";

/** Short: `pair` is on its way out, and whoever stopped it may follow up with SIGKILL. */
export const CANCEL_TIMEOUT_MS = 5_000;

export type CancelResult = { withdrawn: true } | { withdrawn: false; problem: string };

export async function withdrawPairingCode(
  convexUrl: string,
  relaySecret: string,
  pairingId: Id<"pairingCodes">,
  makeCaller: (url: string, timeoutMs: number) => Promise<ConvexCaller> = createConvexCaller,
): Promise<CancelResult> {
  try {
    const convex = await makeCaller(convexUrl, CANCEL_TIMEOUT_MS);
    const { status } = await convex.mutation(api.pairing.cancel, { relaySecret, pairingId });
    return outcome(status);
  } catch (error) {
    return { withdrawn: false, problem: error instanceof Error ? error.message : String(error) };
  }
}

/** Claimed, expired or replaced meanwhile: nothing claimable is left either way. Only "pending" (an older deployment) is a failure. */
function outcome(status: PairingStatus): CancelResult {
  return status === "pending" ? { withdrawn: false, problem: "Convex still lists it as pending" } : { withdrawn: true };
}
