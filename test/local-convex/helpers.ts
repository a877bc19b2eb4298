/** Shared helpers for local-convex tests: fixture server, unmodified Convex clients, JWTs, waiting. */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { api } from "../../convex/_generated/api.js";
import { startLocalConvex, type LocalConvexOptions, type LocalConvexServer } from "../../dev/local-convex/index.js";
import { LOCAL_CONVEX_REGISTRATION_KEY } from "../../dev/local-convex/registration-key.js";

export const fixtureDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/local-convex-app");

/** Tracks everything a test opens so `closeAll()` in afterEach leaves nothing behind. */
export class Harness {
  private readonly servers: LocalConvexServer[] = [];
  private readonly clients: ConvexClient[] = [];

  async server(options: Partial<LocalConvexOptions> = {}): Promise<LocalConvexServer> {
    const server = await startLocalConvex({ port: 0, host: "127.0.0.1", functionsDir: fixtureDir, ...options });
    this.servers.push(server);
    return server;
  }

  client(server: LocalConvexServer): ConvexClient {
    // logger: false keeps the expected reconnect warnings out of the test output.
    const client = new ConvexClient(server.url, { logger: false });
    this.clients.push(client);
    return client;
  }

  http(server: LocalConvexServer): ConvexHttpClient {
    return new ConvexHttpClient(server.url, { logger: false });
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((client) => client.close()));
    await Promise.all(this.servers.splice(0).map((server) => server.stop()));
  }
}

/** An unsigned JWT such as an identity provider would issue (the local server does not verify signatures). */
export function makeJwt(subject: string, extra: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const claims = { iss: "https://auth.test", sub: subject, iat: now, exp: now + 3600, ...extra };
  return `${encode({ alg: "none", typ: "JWT" })}.${encode(claims)}.`;
}

export async function waitFor(condition: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Records every value a ConvexClient subscription delivers. */
export function record<T>(subscribe: (onValue: (value: T) => void, onError: (error: Error) => void) => unknown): {
  values: T[];
  errors: Error[];
  latest: () => T | undefined;
  until: (predicate: (value: T) => boolean, timeoutMs?: number) => Promise<T>;
} {
  const values: T[] = [];
  const errors: Error[] = [];
  subscribe(
    (value) => values.push(value),
    (error) => errors.push(error),
  );
  const latest = () => values[values.length - 1];
  return {
    values,
    errors,
    latest,
    until: async (predicate, timeoutMs = 5000) => {
      await waitFor(() => values.length > 0 && predicate(latest() as T), timeoutMs, "a subscription value");
      return latest() as T;
    },
  };
}

/** Registers an instance on a server running the project's functions and pairs one device to it. */
export async function pairedDevice(client: ConvexHttpClient): Promise<{ relaySecret: string; deviceToken: string }> {
  const credential = (): string => randomBytes(32).toString("base64url");
  const relaySecret = credential();
  await client.mutation(api.instances.register, { secret: relaySecret, name: "Home", registrationKey: LOCAL_CONVEX_REGISTRATION_KEY });
  const pairingToken = credential();
  await client.mutation(api.pairing.create, { relaySecret, token: pairingToken });
  const deviceToken = credential();
  await client.action(api.pairing.claim, { pairingToken, deviceToken, deviceName: "phone", platform: "web" });
  return { relaySecret, deviceToken };
}
