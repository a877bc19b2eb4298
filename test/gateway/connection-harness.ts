/** Test support for GatewayConnection's unit tests: one connection over a fake official client and a fake clock. */
import { generateDeviceIdentity } from "../../src/gateway/device-identity.js";
import { GatewayConnection, type GatewayConnectionEvents } from "../../src/gateway/gateway-connection.js";
import { GATEWAY_LIVENESS } from "../../src/gateway/liveness-watchdog.js";
import { captureLogger } from "../support/capture-logger.js";
import { FakeClock } from "../support/fake-clock.js";
import { fakeClientFactory } from "../support/fake-gateway-client.js";

export const identity = generateDeviceIdentity();
export const TOKEN = "secret-token-value-1234";

/** A connection over a fake official client, a fake clock and a captured log; `named` lists the events it emitted. */
export function setup(overrides: Partial<ConstructorParameters<typeof GatewayConnection>[0]> = {}) {
  const clock = new FakeClock();
  const factory = fakeClientFactory();
  const log = captureLogger();
  const connection = new GatewayConnection({
    url: "ws://127.0.0.1:18789",
    auth: { token: TOKEN },
    identity,
    logger: log.logger,
    clock,
    random: () => 0.5,
    createClient: factory.create,
    ...overrides,
  });
  const events: Array<{ name: keyof GatewayConnectionEvents; payload: unknown }> = [];
  for (const name of ["connected", "disconnected", "auth-failed", "state", "chat", "session.message", "sessions.changed", "shutdown"] as const) {
    connection.on(name, (payload) => events.push({ name, payload }));
  }
  const named = <K extends keyof GatewayConnectionEvents>(name: K) =>
    events.filter((e) => e.name === name).map((e) => e.payload as GatewayConnectionEvents[K]);
  return { clock, factory, log, connection, events, named };
}

export const { probeAfterMs: PROBE, deadAfterMs: DEAD } = GATEWAY_LIVENESS;

export const flush = () => new Promise((resolve) => setImmediate(resolve));
