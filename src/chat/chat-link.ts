/** Opens the chat client's link to Convex: the saved device, or a new one claimed from a pairing payload. */
import os from "node:os";
import { ConvexClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { AppClient, newDeviceToken, type AppStatus } from "../app-client/app-client.js";
import type { StatePaths } from "../config/paths.js";
import { KeyRing } from "../e2e/key-ring.js";
import { ChatError, withTimeout } from "./chat-error.js";
import { claimError, deviceError } from "./convex-errors.js";
import { chatDeviceFile, loadChatDevice, saveChatDevice, type ChatDevice } from "./device-store.js";
import { resolvePairingPayload } from "./pair-payload.js";

export interface OpenChatLinkOptions {
  paths: StatePaths;
  /** A pairing payload to claim (replaces any saved device). */
  pair?: string;
  /** For a bare token: the Convex URL it belongs to. */
  convexUrl?: string;
  deviceName?: string;
  /** How long to wait for Convex on each call before calling it unreachable. */
  timeoutMs: number;
  /** Progress lines for the person (stderr). */
  note?: (line: string) => void;
}

export interface ChatLink {
  app: AppClient;
  device: ChatDevice;
  deviceFile: string;
  /** True when this call claimed a pairing (a new device). */
  paired: boolean;
  status(): Promise<AppStatus>;
  close(): Promise<void>;
}

const claimRef = makeFunctionReference<"action", Record<string, unknown>, { instanceName: string }>("pairing:claim");
const unpairRef = makeFunctionReference<"mutation", Record<string, unknown>, null>("app:unpair");

export const CHAT_PLATFORM = "cli";

/** The Convex client logs reconnects to the console; stdout is the reply's (and --json's), so keep it quiet. */
function convexClient(url: string): ConvexClient {
  return new ConvexClient(url, { unsavedChangesWarning: false, logger: false });
}

export function defaultDeviceName(): string {
  return `fastclaw-relay chat on ${os.hostname()}`.slice(0, 100);
}

function unreachableHint(convexUrl: string): string {
  return `Is ${convexUrl} the right Convex URL, and is it reachable from here? (\`fastclaw-relay status\` checks the relay's side.)`;
}

async function claim(options: OpenChatLinkOptions, file: string, previous: ChatDevice | undefined): Promise<{ app: AppClient; device: ChatDevice }> {
  const payload = await resolvePairingPayload(options.pair ?? "", options.convexUrl ?? previous?.convexUrl, options.timeoutMs);
  const deviceToken = newDeviceToken();
  const deviceName = options.deviceName ?? defaultDeviceName();
  const keys = await KeyRing.fromStored(payload.contentKey);
  const client = convexClient(payload.convexUrl);
  try {
    options.note?.(`Pairing with ${payload.convexUrl} …`);
    const result = await withTimeout(
      client.action(claimRef, { pairingToken: payload.pairingToken, deviceToken, deviceName, platform: CHAT_PLATFORM }),
      options.timeoutMs,
      `pairing with ${payload.convexUrl}`,
      unreachableHint(payload.convexUrl),
    ).catch((error: unknown) => {
      throw claimError(error);
    });
    const device: ChatDevice = {
      version: 1,
      convexUrl: payload.convexUrl,
      deviceToken,
      contentKey: payload.contentKey,
      deviceName,
      instanceName: result.instanceName,
      pairedAt: Date.now(),
    };
    await saveChatDevice(file, device);
    options.note?.(`Paired with "${result.instanceName}" as "${deviceName}" (device saved in ${file}).`);
    if (previous && previous.convexUrl === payload.convexUrl && previous.deviceToken !== deviceToken) {
      // The old chat device is no longer used: free its slot (best effort; it may be revoked already).
      await withTimeout(client.mutation(unpairRef, { deviceToken: previous.deviceToken }), 3_000, "unpair").catch(() => undefined);
    }
    return { app: new AppClient(payload.convexUrl, deviceToken, keys, client), device };
  } catch (error) {
    await client.close();
    throw error;
  }
}

/** The saved device (or a freshly claimed one) with a live Convex client; close() when done. */
export async function openChatLink(options: OpenChatLinkOptions): Promise<ChatLink> {
  const file = chatDeviceFile(options.paths);
  const saved = await loadChatDevice(file);
  let app: AppClient;
  let device: ChatDevice;
  const paired = options.pair !== undefined;
  if (paired) {
    ({ app, device } = await claim(options, file, saved));
  } else if (saved) {
    device = saved;
    app = new AppClient(saved.convexUrl, saved.deviceToken, await KeyRing.fromStored(saved.contentKey), convexClient(saved.convexUrl));
  } else {
    throw new ChatError(
      "NOT_PAIRED",
      "this chat client is not paired yet",
      "Run `fastclaw-relay pair --json` and give the link it prints to `fastclaw-relay chat --pair -` on standard input (paste it, then Enter).",
    );
  }
  return {
    app,
    device,
    deviceFile: file,
    paired,
    status: () =>
      withTimeout(app.status(), options.timeoutMs, `asking ${device.convexUrl} for the relay's status`, unreachableHint(device.convexUrl)).catch(
        (error: unknown) => {
          const mapped = deviceError(error, file);
          if (mapped instanceof ChatError && mapped.code === "TIMEOUT") throw new ChatError("UNREACHABLE", mapped.message, mapped.hint);
          throw mapped;
        },
      ),
    close: () => app.close(),
  };
}
