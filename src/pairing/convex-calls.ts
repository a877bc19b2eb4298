/** Request/response calls to Convex for pairing (HTTP, short timeout) with errors a person can act on. */
import type { FunctionArgs, FunctionReference, FunctionReturnType } from "convex/server";
import { RelayError } from "../relay-error.js";
import { convexErrorData } from "../convex-sync/convex-error.js";

/**
 * A pairing step that failed: the code is Convex's own refusal code (`UNAUTHORIZED`, `RATE_LIMITED`, …)
 * when Convex answered, else one of the relay's.
 */
export class PairingError extends RelayError<string> {
  override readonly name = "PairingError";
}

/** Convex could not be reached at all (refused, DNS, timeout). */
export const CONVEX_UNREACHABLE = "CONVEX_UNREACHABLE";

/** How long one pairing call to Convex may take. */
export const PAIRING_CALL_TIMEOUT_MS = 15_000;

export interface ConvexCaller {
  mutation<F extends FunctionReference<"mutation">>(fn: F, args: FunctionArgs<F>): Promise<FunctionReturnType<F>>;
  query<F extends FunctionReference<"query">>(fn: F, args: FunctionArgs<F>): Promise<FunctionReturnType<F>>;
  readonly url: string;
}

const HINTS: Record<string, string> = {
  UNAUTHORIZED: "Convex does not accept this relay's instance secret (was it reset elsewhere, or is this another deployment?).",
  RATE_LIMITED: "Too many attempts; wait a minute and try again.",
  REGISTRATION_KEY_INVALID:
    "Pass the deployment's registration key once: FASTCLAW_REGISTRATION_KEY=<key> fastclaw-relay pair (or --registration-key); it is the value set with `npx convex env set FASTCLAW_REGISTRATION_KEY`.",
  REGISTRATION_CLOSED:
    "The deployment's owner sets a registration key with `npx convex env set FASTCLAW_REGISTRATION_KEY <key>` (see the README, \"Your own Convex deployment\"), then pairs with it.",
  QUOTA_EXCEEDED: "This relay reached its storage quota on the deployment; the owner can raise it (docs/convex-api.md, \"Registration and quotas\").",
};

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  return `${error.message.split("\n")[0] ?? ""}${cause instanceof Error ? ` (${cause.message})` : ""}`;
}

export async function createConvexCaller(url: string, timeoutMs = PAIRING_CALL_TIMEOUT_MS): Promise<ConvexCaller> {
  const { ConvexHttpClient } = await import("convex/browser");
  const client = new ConvexHttpClient(url, {
    skipConvexDeploymentUrlCheck: true,
    logger: false,
    fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
  });
  const classified = (error: unknown): PairingError => {
    // The ConvexError's own message is clearer than the client's "Uncaught ConvexError: {…}".
    const refusal = convexErrorData(error);
    if (refusal) {
      const { code } = refusal;
      return new PairingError(code, `Convex refused: ${code}: ${refusal.message ?? describe(error)}`, HINTS[code]);
    }
    return new PairingError(CONVEX_UNREACHABLE, `Cannot reach Convex at ${url}: ${describe(error)}`, "Check the URL (`convexUrl` in the config) and the network.");
  };
  return {
    url,
    async mutation(fn, args) {
      try {
        return await client.mutation(fn, args);
      } catch (error) {
        throw classified(error);
      }
    },
    async query(fn, args) {
      try {
        return await client.query(fn, args);
      } catch (error) {
        throw classified(error);
      }
    },
  };
}
