/** Optional scopes (asked for, not required) and the agent-state events a connection routes (health, cron, skills.changed). */
import { generateDeviceIdentity } from "../../src/gateway/device-identity.js";
import { GatewayConnection } from "../../src/gateway/gateway-connection.js";
import { captureLogger } from "../support/capture-logger.js";
import { FakeClock } from "../support/fake-clock.js";
import { fakeClientFactory } from "../support/fake-gateway-client.js";

const flush = () => new Promise((resolve) => setImmediate(resolve));

function setup(optionalScopes?: string[]) {
  const factory = fakeClientFactory();
  const connection = new GatewayConnection({
    url: "ws://127.0.0.1:18789",
    auth: { token: "secret-token-value-1234" },
    identity: generateDeviceIdentity(),
    logger: captureLogger().logger,
    clock: new FakeClock(),
    random: () => 0.5,
    createClient: factory.create,
    ...(optionalScopes ? { optionalScopes } : {}),
  });
  return { factory, connection };
}

test("an optional scope is asked for; a Gateway that withholds it still connects", async () => {
  const { factory, connection } = setup(["operator.admin"]);
  connection.start();
  expect(factory.last.opts.scopes).toEqual(["operator.read", "operator.write", "operator.admin"]);
  factory.last.hello(["operator.read", "operator.write"]);
  await flush();
  expect(connection.state).toBe("connected");
  expect(connection.hello?.scopes).toEqual(["operator.read", "operator.write"]);
  await connection.stop();
});

test("health, cron and skills.changed events reach listeners", async () => {
  const { factory, connection } = setup();
  const seen: string[] = [];
  for (const name of ["health", "cron", "skills.changed"] as const) connection.on(name, () => seen.push(name));
  connection.start();
  factory.last.hello();
  await flush();
  factory.last.event("health", { ok: true });
  factory.last.event("cron", { jobId: "x", action: "finished" });
  factory.last.event("skills.changed", {});
  factory.last.event("presence", {});
  expect(seen).toEqual(["health", "cron", "skills.changed"]);
  await connection.stop();
});
