/** Withdraws a pending pairing code when `pair` stops waiting for it (Ctrl-C, SIGTERM, an agent's timeout). */
import { createConvexCaller, type ConvexCaller } from "./convex-calls.js";
import { fn } from "./convex-functions.js";

/** Short: `pair` is on its way out, and whoever stopped it may follow up with SIGKILL. */
export const CANCEL_TIMEOUT_MS = 5_000;

export type CancelResult = { withdrawn: true } | { withdrawn: false; problem: string };

export async function withdrawPairingCode(
  convexUrl: string,
  relaySecret: string,
  pairingId: string,
  makeCaller: (url: string, timeoutMs: number) => Promise<ConvexCaller> = createConvexCaller,
): Promise<CancelResult> {
  try {
    const convex = await makeCaller(convexUrl, CANCEL_TIMEOUT_MS);
    const { status } = await convex.mutation(fn.pairingCancel, { relaySecret, pairingId });
    // Claimed, expired or replaced meanwhile: nothing claimable is left either way.
    return status === "pending" ? { withdrawn: false, problem: "Convex still lists it as pending" } : { withdrawn: true };
  } catch (error) {
    return { withdrawn: false, problem: error instanceof Error ? error.message : String(error) };
  }
}
