/** Waits for a pairing code to be claimed through a `pairing:watch` subscription (pushed by Convex, never polled). */
import type { PairingStatus, PairingWatch } from "./convex-functions.js";
import { api } from "../../convex/_generated/api.js";
import type { Id } from "../../convex/_generated/dataModel.js";
import { convexErrorCode } from "../convex-sync/convex-error.js";

export type WatchOutcome =
  | { status: "claimed"; device: { name: string; platform: string } }
  | { status: Exclude<PairingStatus, "claimed" | "pending"> }
  | { status: "aborted" }
  | { status: "error"; message: string; code?: string };

export interface WatchOptions {
  convexUrl: string;
  relaySecret: string;
  pairingId: Id<"pairingCodes">;
  expiresAt: number;
  signal: AbortSignal;
  /** Grace after expiresAt before the relay decides on its own that the code expired. */
  graceMs?: number;
}

export async function waitForClaim(options: WatchOptions): Promise<WatchOutcome> {
  const { ConvexClient } = await import("convex/browser");
  // The client reconnects by itself after network trouble; only a failing query reaches onError.
  const client = new ConvexClient(options.convexUrl, {
    skipConvexDeploymentUrlCheck: true,
    logger: false,
    unsavedChangesWarning: false,
  });
  let unsubscribe: (() => void) | undefined;
  let deadline: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await new Promise<WatchOutcome>((resolve) => {
      let done = false;
      const finish = (outcome: WatchOutcome): void => {
        if (done) return;
        done = true;
        resolve(outcome);
      };
      onAbort = () => finish({ status: "aborted" });
      if (options.signal.aborted) return onAbort();
      options.signal.addEventListener("abort", onAbort, { once: true });
      // Convex expires the code itself (a scheduled function); this only covers a backend that is late or gone.
      deadline = setTimeout(
        () => finish({ status: "expired" }),
        Math.max(0, options.expiresAt - Date.now()) + (options.graceMs ?? 10_000),
      );
      unsubscribe = client.onUpdate(
        api.pairing.watch,
        { relaySecret: options.relaySecret, pairingId: options.pairingId },
        (update: PairingWatch) => {
          if (update.status === "pending") return;
          if (update.status === "claimed")
            finish({ status: "claimed", device: update.device ?? { name: "a device", platform: "unknown" } });
          else finish({ status: update.status });
        },
        (error: Error) => {
          const code = convexErrorCode(error);
          finish({ status: "error", message: error.message.split("\n")[0] ?? String(error), ...(code ? { code } : {}) });
        },
      );
    });
  } finally {
    clearTimeout(deadline);
    if (onAbort) options.signal.removeEventListener("abort", onAbort);
    unsubscribe?.();
    await client.close();
  }
}
