/** References to the Convex functions the CLI calls, by name (docs/convex-api.md), so no codegen is needed. */
import { makeFunctionReference, type FunctionReference } from "convex/server";

export interface RelayInfo {
  instanceId: string;
  name: string;
  pairedDevices: number;
  pendingPairing: boolean;
}

export type PairingStatus = "pending" | "claimed" | "expired" | "replaced" | "revoked" | "cancelled";

export interface PairingWatch {
  status: PairingStatus;
  expiresAt: number;
  device?: { name: string; platform: string };
}

export const fn = {
  relayInfo: makeFunctionReference<"query", { relaySecret: string }, RelayInfo>("relay:info"),
  register: makeFunctionReference<"mutation", { secret: string; name: string; registrationKey?: string }, { instanceId: string }>(
    "instances:register",
  ),
  pairingCreate: makeFunctionReference<
    "mutation",
    { relaySecret: string; token: string },
    { pairingId: string; expiresAt: number }
  >("pairing:create"),
  pairingCancel: makeFunctionReference<"mutation", { relaySecret: string; pairingId: string }, { status: PairingStatus }>(
    "pairing:cancel",
  ),
  pairingWatch: makeFunctionReference<"query", { relaySecret: string; pairingId: string }, PairingWatch>("pairing:watch"),
  webInfo: makeFunctionReference<"query", { relaySecret: string }, { siteUrl: string | null }>("web:info"),
  pairingReset: makeFunctionReference<"mutation", { relaySecret: string; newSecret: string }, { revokedDevices: number }>(
    "pairing:reset",
  ),
} satisfies Record<string, FunctionReference<"query" | "mutation">>;

/** The `code` of a ConvexError (`data = {code, message}`), if that is what `error` is. */
export function convexErrorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("data" in error)) return undefined;
  const data = (error as { data: unknown }).data;
  if (typeof data === "object" && data !== null && "code" in data && typeof (data as { code: unknown }).code === "string") {
    return (data as { code: string }).code;
  }
  return undefined;
}
