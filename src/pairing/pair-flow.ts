/** The pairing sequence: (reset) → register → create a one-time code → show it → wait for the claim. */
import { ConfigError } from "../config/errors.js";
import { loadConfig } from "../config/load.js";
import type { Env } from "../config/paths.js";
import { createConvexCaller } from "./convex-calls.js";
import { newCredential } from "./credentials.js";
import { api } from "../../convex/_generated/api.js";
import { withdrawPairingCode } from "./cancel.js";
import { buildPairingPayload } from "./payload.js";
import { webPairingUrl } from "./web-url.js";
import { ensureRegistered } from "./register.js";
import { resetInstance } from "./reset.js";
import { waitForClaim, type WatchOutcome } from "./watch.js";

export type PairEvent =
  | { event: "reset"; revokedDevices: number; nothingToReset?: boolean }
  | { event: "registered"; instanceId: string; name: string; created: boolean; convexUrl: string }
  /** `webUrl`: the web app's link (what the QR shows); null when the deployment serves no web app, `webNote` says why. */
  | { event: "pairing"; payload: string; webUrl: string | null; webNote?: string; expiresAt: number; pairingId: string }
  | { event: "claimed"; device: { name: string; platform: string } }
  | { event: "expired" }
  | { event: "replaced" }
  | { event: "revoked" }
  | { event: "cancelled"; withdrawn: boolean };

/** Interrupted: whether the code was withdrawn in Convex on the way out (else it stays claimable until it expires). */
export type PairOutcome =
  | Exclude<WatchOutcome, { status: "aborted" }>
  | { status: "aborted"; withdrawn: true }
  | { status: "aborted"; withdrawn: false; problem: string; expiresAt: number };

export interface PairOptions {
  env: Env;
  /** --convex-url (already checked); else the config / FASTCLAW_CONVEX_URL. */
  convexUrl?: string;
  name?: string;
  /** --registration-key; else FASTCLAW_REGISTRATION_KEY or the saved one (see register.ts). */
  registrationKey?: string;
  reset: boolean;
  signal: AbortSignal;
  /** Awaited: the printer may render a QR code or write a file before the wait starts. */
  onEvent: (event: PairEvent) => void | Promise<void>;
}

export async function runPairing(options: PairOptions): Promise<PairOutcome> {
  const loaded = await loadConfig(options.env);
  const convexUrl = options.convexUrl ?? loaded.effective.convexUrl;
  if (!convexUrl) {
    throw new ConfigError("CONFIG_INCOMPLETE", loaded.file, "`convexUrl` is missing: this relay does not know which Convex deployment to use", {
      key: "convexUrl",
      hint: "Pass it once: `fastclaw-relay pair --convex-url https://<deployment>.convex.cloud` (or set FASTCLAW_CONVEX_URL).",
    });
  }
  const convex = await createConvexCaller(convexUrl);
  let current = loaded.data;
  if (options.reset) {
    if (current.instanceSecret) {
      const outcome = await resetInstance(options.env, convex, current);
      current = outcome.config;
      await options.onEvent({ event: "reset", revokedDevices: outcome.revokedDevices });
    } else {
      await options.onEvent({ event: "reset", revokedDevices: 0, nothingToReset: true });
    }
  }
  const { config, created } = await ensureRegistered(options.env, convex, current, options.name, options.registrationKey);
  await options.onEvent({ event: "registered", instanceId: config.instanceId, name: config.instanceName, created, convexUrl });

  const token = newCredential();
  const { pairingId, expiresAt } = await convex.mutation(api.pairing.create, { relaySecret: config.instanceSecret, token });
  const web = await webPairingUrl(convex, config.instanceSecret, token, config.contentKey);
  await options.onEvent({
    event: "pairing",
    payload: buildPairingPayload(convexUrl, token, config.contentKey),
    webUrl: web.url,
    ...(web.note !== undefined ? { webNote: web.note } : {}),
    expiresAt,
    pairingId,
  });

  const outcome = await waitForClaim({
    convexUrl,
    relaySecret: config.instanceSecret,
    pairingId,
    expiresAt,
    signal: options.signal,
  });
  if (outcome.status === "aborted") {
    // Nothing watches the code any more: nobody may claim it unseen for the rest of its 5 minutes.
    const cancel = await withdrawPairingCode(convexUrl, config.instanceSecret, pairingId);
    await options.onEvent({ event: "cancelled", withdrawn: cancel.withdrawn });
    return cancel.withdrawn ? { status: "aborted", withdrawn: true } : { status: "aborted", withdrawn: false, problem: cancel.problem, expiresAt };
  }
  if (outcome.status === "claimed") await options.onEvent({ event: "claimed", device: outcome.device });
  else if (outcome.status === "cancelled") await options.onEvent({ event: "cancelled", withdrawn: true });
  else if (outcome.status === "expired" || outcome.status === "replaced" || outcome.status === "revoked") {
    await options.onEvent({ event: outcome.status });
  }
  return outcome;
}
