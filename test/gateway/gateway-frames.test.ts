/** Unit: the real official client + GatewayConnection against a fake Gateway that sends junk, goes silent, or shuts down. */
import { generateDeviceIdentity } from "../../src/gateway/device-identity.js";
import { GatewayConnection, type GatewayConnectionEvents } from "../../src/gateway/gateway-connection.js";
import { captureLogger } from "../support/capture-logger.js";
import { startFakeGatewayServer, type FakeGatewayServer } from "../support/fake-gateway-server.js";

let server: FakeGatewayServer;
let connection: GatewayConnection | undefined;

afterEach(async () => {
  await connection?.stop();
  connection = undefined;
  await server?.close();
});

function connect(extra: Partial<ConstructorParameters<typeof GatewayConnection>[0]> = {}) {
  const log = captureLogger();
  connection = new GatewayConnection({ url: server.url, auth: { token: "fake-token-123456" }, identity: generateDeviceIdentity(), logger: log.logger, ...extra });
  const seen: Array<{ name: string; payload: unknown }> = [];
  for (const name of ["connected", "disconnected", "chat", "session.message", "shutdown"] as const) {
    connection.on(name, (payload: GatewayConnectionEvents[typeof name]) => seen.push({ name, payload }));
  }
  connection.start();
  return { log, seen, connection };
}

const until = async (check: () => boolean, timeoutMs = 5000) => {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

test("junk frames are ignored without crashing; the connection stays up and valid events still arrive", async () => {
  server = await startFakeGatewayServer();
  const { seen, log, connection: c } = connect();
  await c.waitUntilConnected(5000);
  expect(server.connects[0]).toMatchObject({ minProtocol: 3, maxProtocol: 4, role: "operator", scopes: ["operator.read", "operator.write"] });
  expect(server.requests.map((r) => r.method)).toEqual(["sessions.subscribe"]);
  const junk: unknown[] = [
    "this is not json",
    "{\"type\":\"event\"",
    Buffer.from([0xff, 0xfe, 0x00]),
    [1, 2, 3],
    { type: "event" },
    { type: "res", id: "nobody-asked", ok: true, payload: {} },
    { type: "event", event: "chat", payload: { state: "delta", runId: "r" } },
    { type: "event", event: "session.message", payload: { sessionKey: "s", message: "should be an object" } },
    { type: "event", event: "chat", payload: null },
    { type: "mystery", event: "chat" },
  ];
  for (const frame of junk) server.send(frame);
  server.send({ type: "event", event: "chat", payload: { state: "final", runId: "r1", sessionKey: "agent:main:main", seq: 3 } });
  await until(() => seen.some((e) => e.name === "chat"));
  expect(seen.filter((e) => e.name === "chat")).toEqual([{ name: "chat", payload: expect.objectContaining({ runId: "r1", state: "final" }) }]);
  expect(seen.filter((e) => e.name === "session.message")).toHaveLength(0);
  expect(c.state).toBe("connected");
  expect(log.lines.filter((l) => l.level === "warn" && l.message.includes("malformed"))).toHaveLength(3);
  // Still answers requests afterwards.
  await expect(c.sessionsList()).rejects.toMatchObject({ code: "GATEWAY_PROTOCOL_ERROR" });
  expect(server.connects).toHaveLength(1);
});

test("an idle Gateway that answers probes is kept; one that goes silent is dropped at the liveness limit and replaced", async () => {
  server = await startFakeGatewayServer();
  const { seen, connection: c } = connect({ reconnect: { initialDelayMs: 50 }, liveness: { probeAfterMs: 100, deadAfterMs: 400 } });
  await c.waitUntilConnected(5000);
  // No events at all, only answered probes: alive.
  await until(() => server.requests.filter((r) => r.method === "last-heartbeat").length >= 5, 5000);
  expect(seen.some((e) => e.name === "disconnected")).toBe(false);

  server.silent = true;
  const silentAt = Date.now();
  await until(() => seen.some((e) => e.name === "disconnected"), 5000);
  const noticedAfter = Date.now() - silentAt;
  expect(noticedAfter).toBeGreaterThanOrEqual(300);
  expect(noticedAfter).toBeLessThan(2500);
  expect(seen.find((e) => e.name === "disconnected")?.payload).toMatchObject({ wasConnected: true, reason: expect.stringMatching(/liveness/) });
  server.silent = false;
  await until(() => seen.filter((e) => e.name === "connected").length === 2, 5000);
});

test("shutdown then close 1012: reconnects in about a second with no help", async () => {
  server = await startFakeGatewayServer();
  const { seen, connection: c } = connect();
  await c.waitUntilConnected(5000);
  server.send({ type: "event", event: "shutdown", payload: { reason: "gateway stopping" } });
  server.sockets[0]!.close(1012, "service restart");
  const closedAt = Date.now();
  await until(() => seen.filter((e) => e.name === "connected").length === 2, 5000);
  const took = Date.now() - closedAt;
  expect(took).toBeGreaterThanOrEqual(700);
  expect(took).toBeLessThan(2500);
  expect(seen.find((e) => e.name === "shutdown")?.payload).toEqual({ reason: "gateway stopping" });
  expect(server.requests.filter((r) => r.method === "sessions.subscribe")).toHaveLength(2);
});
