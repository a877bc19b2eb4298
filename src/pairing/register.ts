/** Makes sure this relay has an instance secret saved and registered in Convex; returns the config to pair with. */
import os from "node:os";
import type { Env } from "../config/paths.js";
import type { FastclawConfig } from "../config/schema.js";
import { updateConfig } from "../config/store.js";
import type { ConvexCaller } from "./convex-calls.js";
import { newCredential } from "./credentials.js";
import { fn } from "./convex-functions.js";

export interface Registration {
  config: FastclawConfig & { convexUrl: string; instanceSecret: string; instanceId: string; instanceName: string };
  /** The secret was made just now (first pairing). */
  created: boolean;
}

export function defaultInstanceName(): string {
  return os.hostname().split(".")[0] || "OpenClaw";
}

export async function ensureRegistered(
  env: Env,
  convex: ConvexCaller,
  current: FastclawConfig,
  name?: string,
): Promise<Registration> {
  const instanceName = name ?? current.instanceName ?? defaultInstanceName();
  let secret = current.instanceSecret;
  const created = !secret;
  if (!secret) {
    secret = newCredential();
    // Saved before Convex hears of it: a registered secret must never exist only in memory.
    const made = secret;
    await updateConfig(env, (c) => ({ ...c, convexUrl: convex.url, instanceSecret: made }));
  }
  const { instanceId } = await convex.mutation(fn.register, { secret, name: instanceName });
  const registered = secret;
  const { config } = await updateConfig(env, (c) => ({
    ...c,
    convexUrl: convex.url,
    instanceSecret: registered,
    instanceId,
    instanceName,
  }));
  return { config: { ...config, convexUrl: convex.url, instanceSecret: registered, instanceId, instanceName }, created };
}
