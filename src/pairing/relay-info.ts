/** `status`'s quick question to Convex: `relay:info` over HTTP with a short timeout. */
import { api } from "../../convex/_generated/api.js";
import { convexErrorCode } from "../convex-sync/convex-error.js";
import type { RelayInfo } from "./convex-functions.js";

export type RelayInfoResult = { ok: true; info: RelayInfo } | { ok: false; reachable: boolean; code?: string; message: string };

export async function fetchRelayInfo(convexUrl: string, relaySecret: string, timeoutMs = 3000): Promise<RelayInfoResult> {
  const { ConvexHttpClient } = await import("convex/browser");
  const client = new ConvexHttpClient(convexUrl, {
    skipConvexDeploymentUrlCheck: true,
    logger: false,
    fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
  });
  try {
    return { ok: true, info: await client.query(api.relay.info, { relaySecret }) };
  } catch (error) {
    const code = convexErrorCode(error);
    if (code) return { ok: false, reachable: true, code, message: errorMessage(error) };
    const message = errorMessage(error);
    // fetch failures (refused, DNS, timeout) mean Convex was not reached; anything else is an answer.
    const unreachable = error instanceof TypeError || /abort|timeout|ECONNREFUSED|ENOTFOUND|fetch failed/i.test(message);
    return { ok: false, reachable: !unreachable, message };
  }
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    const detail = cause instanceof Error ? `: ${cause.message}` : "";
    return `${error.message}${detail}`.split("\n")[0] ?? "";
  }
  return String(error);
}
