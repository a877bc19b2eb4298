/** Makes sure this relay has an instance secret saved and registered in Convex; returns the config to pair with. */
import os from "node:os";
import { ENV } from "../../convex/lib/settings.js";
import type { Env } from "../config/paths.js";
import type { FastclawConfig } from "../config/schema.js";
import { updateConfig } from "../config/store.js";
import { generateContentKey } from "../e2e/content-key.js";
import type { ConvexCaller } from "./convex-calls.js";
import { newCredential } from "./credentials.js";
import { api } from "../../convex/_generated/api.js";

export interface Registration {
  config: FastclawConfig & { convexUrl: string; instanceSecret: string; contentKey: string; instanceId: string; instanceName: string };
  /** The secret was made just now (first pairing). */
  created: boolean;
}

/** Where `pair` also takes the deployment's registration key from: the name the owner sets in Convex. */
const REGISTRATION_KEY_ENV = ENV.registrationKey;

/**
 * The registration key to offer: `--registration-key`, else the environment, else the one saved in the config
 * for this very deployment (a key is never sent to another deployment than the one it was given for).
 */
export function registrationKeyFor(env: Env, current: FastclawConfig, convexUrl: string, given?: string): string | undefined {
  const fresh = given ?? env[REGISTRATION_KEY_ENV];
  if (fresh !== undefined && fresh.trim() !== "") return fresh.trim();
  return current.convexUrl === convexUrl ? current.registrationKey : undefined;
}

/** `config` for `convexUrl`: with `key`, or without any key when its saved one belongs to another deployment. */
function withKey(config: FastclawConfig, convexUrl: string, key: string | undefined): FastclawConfig {
  if (key !== undefined) return { ...config, convexUrl, registrationKey: key };
  const { registrationKey, ...rest } = config;
  return config.convexUrl === convexUrl && registrationKey !== undefined ? { ...rest, convexUrl, registrationKey } : { ...rest, convexUrl };
}

export function defaultInstanceName(): string {
  return os.hostname().split(".")[0] || "OpenClaw";
}

export async function ensureRegistered(
  env: Env,
  convex: ConvexCaller,
  current: FastclawConfig,
  name?: string,
  registrationKey?: string,
): Promise<Registration> {
  const key = registrationKeyFor(env, current, convex.url, registrationKey);
  const instanceName = name ?? current.instanceName ?? defaultInstanceName();
  let secret = current.instanceSecret;
  const created = !secret;
  // A relay from before end-to-end encryption gets its content key here; devices paired before must pair again.
  const contentKey = current.contentKey ?? generateContentKey();
  if (!secret) {
    secret = newCredential();
    // Saved before Convex hears of it: a registered secret must never exist only in memory.
    const made = secret;
    // Without the key yet (it is saved once the deployment took the call), and never another deployment's.
    await updateConfig(env, (c) => ({ ...withKey(c, convex.url, undefined), instanceSecret: made, contentKey }));
  }
  const { instanceId } = await convex.mutation(api.instances.register, { secret, name: instanceName, ...(key !== undefined ? { registrationKey: key } : {}) });
  const registered = secret;
  // Kept (0600, like the secret) after the call went through, so a later `pair` can register again by itself.
  const { config } = await updateConfig(env, (c) => ({
    ...withKey(c, convex.url, key),
    instanceSecret: registered,
    contentKey,
    instanceId,
    instanceName,
  }));
  return { config: { ...config, convexUrl: convex.url, instanceSecret: registered, contentKey, instanceId, instanceName }, created };
}
