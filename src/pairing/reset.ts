/** `pair --reset`: revoke every device, rotate the secret and the content key, without ever being left with no working secret. */
import { rm, writeFile } from "node:fs/promises";
import type { Env } from "../config/paths.js";
import { statePaths } from "../config/paths.js";
import type { FastclawConfig } from "../config/schema.js";
import { backupConfigFile } from "../config/backup.js";
import { saveConfig } from "../config/store.js";
import { generateContentKey } from "../e2e/content-key.js";
import { PairingError, type ConvexCaller } from "./convex-calls.js";
import { newCredential } from "./credentials.js";
import { api } from "../../convex/_generated/api.js";

export interface ResetOutcome {
  revokedDevices: number;
  config: FastclawConfig;
}

/**
 * Order matters: (1) the current file is copied aside, (2) Convex rotates to the new secret,
 * (3) only then the config gets it. If (2) fails nothing changed; if (3) fails the new config is
 * written next to it, so the secret Convex now expects is never only in memory.
 */
export async function resetInstance(
  env: Env,
  convex: ConvexCaller,
  current: FastclawConfig,
  now = Date.now(),
): Promise<ResetOutcome> {
  const oldSecret = current.instanceSecret;
  if (!oldSecret)
    throw new PairingError(
      "NOTHING_TO_RESET",
      "Nothing to reset: this relay has no instance secret yet.",
      "Run `fastclaw-relay pair` without --reset.",
    );
  const file = statePaths(env).configFile;
  const backup = await backupConfigFile(file, now);
  const newSecret = newCredential();
  let revokedDevices: number;
  try {
    ({ revokedDevices } = await convex.mutation(api.pairing.reset, { relaySecret: oldSecret, newSecret }));
  } catch (error) {
    await rm(backup, { force: true }); // nothing changed; the backup would only be a stray copy of a secret
    throw error;
  }
  // A new content key with the new secret: devices paired before cannot open anything written from now on.
  const next: FastclawConfig = { ...current, convexUrl: convex.url, instanceSecret: newSecret, contentKey: generateContentKey() };
  try {
    await saveConfig(env, next);
  } catch (error) {
    const rescue = `${file}.new-${now}`;
    await writeFile(rescue, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    throw new PairingError(
      "CONFIG_NOT_SAVED",
      `Convex rotated the secret but ${file} could not be updated (${error instanceof Error ? error.message : String(error)}).`,
      `The new configuration is in ${rescue}; move it over ${file}. The old one is in ${backup}.`,
    );
  }
  // The old secret no longer works anywhere; don't leave a copy of it lying around.
  await rm(backup, { force: true });
  return { revokedDevices, config: next };
}
