/** One isolated Convex world for a phase: the local Convex process, a registered instance, and a paired app. */
import { randomBytes } from "node:crypto";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { AppClient } from "../src/app-client/app-client.js";
import { generateContentKey } from "../src/e2e/content-key.js";
import { KeyRing } from "../src/e2e/key-ring.js";
import { spawnLocalConvex, type LocalConvexProcess } from "../dev/devkit/local-convex-process.js";
import { LOCAL_CONVEX_REGISTRATION_KEY } from "../dev/local-convex/registration-key.js";

export interface World {
  convex: LocalConvexProcess;
  http: ConvexHttpClient;
  secret: string;
  /** The relay's end-to-end content key (its config), as the pairing payload hands it to the app. */
  contentKey: string;
  instanceId: string;
  app: AppClient;
  /** Counts relay:pendingMessages rows still queued (the outbox's backlog, as Convex sees it). */
  queuedCount(): Promise<number>;
  stop(): Promise<void>;
}

/** Far above any rate a phase offers (1,600 msg/s at most). */
const BENCH_SENDS_PER_MINUTE = 10_000_000;

const mutation = (name: string) => makeFunctionReference<"mutation", Record<string, unknown>, Record<string, string>>(name);
const query = (name: string) => makeFunctionReference<"query", Record<string, unknown>, unknown[]>(name);

/**
 * A fresh process per phase on purpose: the local server keeps everything in memory and re-runs every
 * subscription after every write, so a database grown by an earlier phase would slow a later one down.
 */
export async function startWorld(name: string): Promise<World> {
  // The bench's one device offers hundreds of messages a second: lift the per-device send limit.
  const convex = await spawnLocalConvex({ functionEnv: { FASTCLAW_DEVICE_SENDS_PER_MINUTE: String(BENCH_SENDS_PER_MINUTE) } });
  const http = new ConvexHttpClient(convex.url);
  const secret = randomBytes(32).toString("base64url");
  const { instanceId } = await http.mutation(mutation("instances:register"), { secret, registrationKey: LOCAL_CONVEX_REGISTRATION_KEY, name });
  const pairingToken = randomBytes(32).toString("base64url");
  await http.mutation(mutation("pairing:create"), { relaySecret: secret, token: pairingToken });
  const contentKey = generateContentKey();
  const { app } = await AppClient.claim(convex.url, { pairingToken, keys: await KeyRing.fromStored(contentKey), deviceName: "bench phone", platform: "bench" });
  return {
    convex,
    http,
    secret,
    contentKey,
    instanceId: instanceId!,
    app,
    queuedCount: async () => (await http.query(query("relay:pendingMessages"), { relaySecret: secret, limit: 500 })).length,
    stop: async () => {
      await app.close();
      await convex.stop();
    },
  };
}
