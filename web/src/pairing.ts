/** Claims a pairing code with a device token made here, and remembers the relay on this device only. */
import type { ConvexClient } from "convex/browser";
import { api } from "./api.js";
import { newDeviceToken, type DeviceStore, type PairedInstance } from "./device-store.js";
import { withDeadline } from "./errors.js";
import type { PairingLink } from "./pairing-link.js";

/** A claim that has not answered by then is reported as "deployment unreachable". */
export const CLAIM_TIMEOUT_MS = 20_000;

/** A readable name for this device in the relay's list of paired devices ("iPhone · Safari"). */
export function deviceName(userAgent: string): string {
  const os = /iPhone/.test(userAgent)
    ? "iPhone"
    : /iPad/.test(userAgent)
      ? "iPad"
      : /Android/.test(userAgent)
        ? "Android"
        : /Mac OS X/.test(userAgent)
          ? "Mac"
          : /Windows/.test(userAgent)
            ? "Windows"
            : /Linux/.test(userAgent)
              ? "Linux"
              : "Device";
  const browser = /Edg\//.test(userAgent) ? "Edge" : /Firefox\//.test(userAgent) ? "Firefox" : /Chrom(e|ium)\//.test(userAgent) ? "Chrome" : /Safari\//.test(userAgent) ? "Safari" : "browser";
  return `${os} · ${browser}`;
}

/** Claims the link's code; the relay's content key (never sent anywhere) is stored with the new credential. */
export async function claimPairing(client: ConvexClient, store: DeviceStore, link: PairingLink, userAgent: string): Promise<PairedInstance> {
  const { pairingToken, contentKey } = link;
  const deviceToken = newDeviceToken();
  const result = await withDeadline(
    client.action(api.pairing.claim, { pairingToken, deviceToken, deviceName: deviceName(userAgent), platform: "web" }),
    CLAIM_TIMEOUT_MS,
  );
  const instance: PairedInstance = { localId: crypto.randomUUID(), deviceToken, contentKey, instanceName: result.instanceName, pairedAt: Date.now() };
  store.add(instance);
  return instance;
}
