/** Test helper: a relay GatewayConnection in a throwaway state dir, with every event recorded in order. */
import { statePaths } from "../../src/config/paths.js";
import { createLogger, type Logger } from "../../src/logging/logger.js";
import {
  openGatewayConnection,
  type GatewayConnection,
  type GatewayConnectionEvents,
  type OpenGatewayConnectionOptions,
} from "../../src/gateway/index.js";
import { e2eInfo, throwawayRelayEnv, type ThrowawayRelayEnv } from "./gateway-fixture.js";

export interface Recorded {
  name: keyof GatewayConnectionEvents;
  payload: unknown;
  at: number;
}

export interface RelayUnderTest {
  connection: GatewayConnection;
  events: Recorded[];
  env: Record<string, string>;
  home: ThrowawayRelayEnv;
  /** Resolves with the first recorded event (from index `from`) matching `predicate`. */
  waitFor<K extends keyof GatewayConnectionEvents>(
    name: K,
    predicate?: (payload: GatewayConnectionEvents[K]) => boolean,
    timeoutMs?: number,
    from?: number,
  ): Promise<GatewayConnectionEvents[K]>;
  all<K extends keyof GatewayConnectionEvents>(name: K): Array<GatewayConnectionEvents[K]>;
  close(): Promise<void>;
}

const EVENT_NAMES: Array<keyof GatewayConnectionEvents> = [
  "connected",
  "disconnected",
  "auth-failed",
  "state",
  "chat",
  "session.message",
  "sessions.changed",
  "shutdown",
];

export function testLogger(): Logger {
  return createLogger({ level: process.env.FASTCLAW_TEST_LOG_LEVEL ?? "warn", console: true });
}

/**
 * Opens (does not start) a connection like the relay would, with env pointing at the shared
 * Gateway unless `env` overrides it. Reuse `home` to get the same device identity again.
 */
export async function relayConnection(
  options: {
    env?: Record<string, string>;
    home?: ThrowawayRelayEnv;
    overrides?: OpenGatewayConnectionOptions["overrides"];
    start?: boolean;
    logger?: OpenGatewayConnectionOptions["logger"];
    explicit?: OpenGatewayConnectionOptions["explicit"];
  } = {},
): Promise<RelayUnderTest> {
  const home = options.home ?? (await throwawayRelayEnv());
  const env = { ...home.env, ...options.env };
  const { connection } = await openGatewayConnection({
    env,
    paths: statePaths(env),
    logger: options.logger ?? testLogger(),
    ...(options.overrides ? { overrides: options.overrides } : {}),
    ...(options.explicit ? { explicit: options.explicit } : {}),
  });
  const events: Recorded[] = [];
  for (const name of EVENT_NAMES) connection.on(name, (payload) => events.push({ name, payload, at: Date.now() }));
  const waitFor: RelayUnderTest["waitFor"] = (name, predicate, timeoutMs = 30_000, from = 0) =>
    new Promise((resolve, reject) => {
      const started = Date.now();
      const poll = () => {
        for (let i = from; i < events.length; i += 1) {
          const e = events[i]!;
          if (e.name === name && (!predicate || predicate(e.payload as never))) return resolve(e.payload as never);
        }
        if (Date.now() - started > timeoutMs) return reject(new Error(`timed out after ${timeoutMs} ms waiting for ${String(name)}`));
        setTimeout(poll, 20);
      };
      poll();
    });
  if (options.start !== false) connection.start();
  return {
    connection,
    events,
    env,
    home,
    waitFor,
    all: (name) => events.filter((e) => e.name === name).map((e) => e.payload as never),
    close: async () => {
      await connection.stop();
      if (!options.home) await home.cleanup();
    },
  };
}

/** For an e2e file: one connection to the shared Gateway, connected before its tests and closed after them. */
export function useConnectedRelay(): () => RelayUnderTest {
  let relay: RelayUnderTest | undefined;
  beforeAll(async () => {
    const info = e2eInfo();
    relay = await relayConnection({ env: { OPENCLAW_GATEWAY_URL: info.gatewayUrl, OPENCLAW_GATEWAY_TOKEN: info.gatewayToken } });
    await relay.connection.waitUntilConnected(60_000);
  }, 90_000);
  afterAll(async () => {
    await relay?.close();
  });
  return () => {
    if (!relay) throw new Error("relay fixture: not connected (beforeAll failed?)");
    return relay;
  };
}
