/** The relay's Convex functions as typed references: renaming a function or an argument in convex/ breaks the build. */
import type { FunctionArgs, FunctionReference, FunctionReturnType } from "convex/server";

export { api } from "../../convex/_generated/api.js";

/** What every relay function takes: the instance secret, which the link adds at send time and callers never hold. */
type Credentialed = { relaySecret: string };

export type RelayMutation = FunctionReference<"mutation", "public", Credentialed>;
export type RelayQuery = FunctionReference<"query", "public", Credentialed>;

/** A relay function's arguments as its callers give them: everything but the credential. */
export type RelayArgs<F extends RelayMutation | RelayQuery> = Omit<FunctionArgs<F>, "relaySecret">;

export type RelayResult<F extends RelayQuery> = FunctionReturnType<F>;
