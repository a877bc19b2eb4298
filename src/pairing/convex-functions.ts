/** The pairing flow's types of what Convex answers, derived from convex/_generated/api so they follow the backend. */
import type { FunctionReturnType } from "convex/server";
import type { api } from "../../convex/_generated/api.js";

export type RelayInfo = FunctionReturnType<typeof api.relay.info>;
export type PairingWatch = FunctionReturnType<typeof api.pairing.watch>;
export type PairingStatus = PairingWatch["status"];
