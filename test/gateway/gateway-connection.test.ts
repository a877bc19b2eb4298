/** Unit: the connection supervisor's decisions, driven through a fake official client and a fake clock. */
import { GatewayClientRequestError } from "@openclaw/gateway-client";
import { DEAD, flush, identity, PROBE, setup, TOKEN } from "./connection-harness.js";

test("connects with the official client configured as the relay: operator read+write, protocol 3..4, device identity", async () => {
  const { factory, connection, named } = setup();
  connection.start();
  const opts = factory.last.opts;
  expect(opts).toMatchObject({
    url: "ws://127.0.0.1:18789",
    token: TOKEN,
    clientName: "gateway-client",
    mode: "backend",
    clientDisplayName: "fastclaw-relay",
    role: "operator",
    scopes: ["operator.read", "operator.write"],
    minProtocol: 3,
    maxProtocol: 4,
    notifyOnStartupRetry: true,
  });
  expect(opts.clientVersion).toMatch(/^\d+\.\d+\.\d+/);
  expect(opts.clientVersion).not.toBe("0.0.0");
  expect(opts.deviceIdentity?.deviceId).toBe(identity.deviceId);
  expect(connection.state).toBe("connecting");
  factory.last.hello();
  await flush();
  expect(connection.state).toBe("connected");
  expect(named("connected")[0]).toMatchObject({ scopes: ["operator.read", "operator.write"], protocol: 4, deviceId: identity.deviceId });
  await connection.stop();
});

test("sessions.subscribe is re-issued after every hello-ok, before `connected` is announced", async () => {
  const { factory, connection, clock, named } = setup();
  connection.start();
  factory.last.autoSubscribe = false;
  factory.last.hello();
  await flush();
  expect(factory.last.requests.map((r) => r.method)).toEqual(["sessions.subscribe"]);
  expect(named("connected")).toHaveLength(0);
  factory.last.requests[0]!.resolve({ subscribed: true });
  await flush();
  expect(named("connected")).toHaveLength(1);

  factory.last.close(1006, "");
  clock.advance(10_000);
  expect(factory.clients).toHaveLength(2);
  factory.last.autoSubscribe = false;
  factory.last.hello();
  await flush();
  expect(factory.last.requests.map((r) => r.method)).toEqual(["sessions.subscribe"]);
  await connection.stop();
});

test("a drop reconnects with a fresh client after a jittered exponential backoff; the old client is stopped", async () => {
  const { factory, connection, clock, named } = setup();
  connection.start();
  factory.last.hello();
  await flush();
  const first = factory.last;
  first.close(1006, "abnormal");
  expect(first.stopped).toBe(true);
  expect(connection.state).toBe("waiting");
  expect(named("disconnected")[0]).toMatchObject({ wasConnected: true, retryInMs: 500 });
  clock.advance(499);
  expect(factory.clients).toHaveLength(1);
  clock.advance(1);
  expect(factory.clients).toHaveLength(2);
  // Failing attempts double the wait.
  factory.last.connectError(new Error("connect ECONNREFUSED 127.0.0.1:18789"));
  factory.last.close(1006, "");
  expect(named("disconnected")[1]).toMatchObject({ wasConnected: false, retryInMs: 1000, reason: "connect ECONNREFUSED 127.0.0.1:18789" });
  clock.advance(1000);
  factory.last.close(1006, "");
  expect(named("disconnected")[2]!.retryInMs).toBe(2000);
  clock.advance(2000);
  factory.last.hello();
  await flush();
  expect(connection.state).toBe("connected");
  // hello-ok resets the backoff.
  factory.last.close(1006, "");
  expect(named("disconnected")[3]!.retryInMs).toBe(500);
  await connection.stop();
});

test("retryAfterMs from a retryable connect error (Gateway still starting) sets the next delay", async () => {
  const { factory, connection, named } = setup({ random: () => 0 });
  connection.start();
  const unavailable = new GatewayClientRequestError({
    code: "UNAVAILABLE",
    message: "gateway starting",
    retryable: true,
    retryAfterMs: 750,
    details: { reason: "startup-sidecars" },
  });
  factory.last.connectError(unavailable);
  factory.last.close(1013, "gateway starting", unavailable);
  expect(named("disconnected")[0]).toMatchObject({ retryInMs: 750, code: "UNAVAILABLE" });
  await connection.stop();
});

test("a shutdown event means: reconnect in about a second, and keep trying every second while it restarts", async () => {
  const { factory, connection, clock, named } = setup();
  connection.start();
  factory.last.hello();
  await flush();
  factory.last.event("shutdown", { reason: "gateway stopping" });
  expect(named("shutdown")).toEqual([{ reason: "gateway stopping" }]);
  factory.last.close(1012, "service restart");
  expect(named("disconnected")[0]).toMatchObject({ retryInMs: 1000, wasConnected: true });
  for (let i = 0; i < 8; i += 1) {
    clock.advance(1000);
    factory.last.connectError(new Error("connect ECONNREFUSED"));
    factory.last.close(1006, "");
  }
  expect(named("disconnected").slice(1).map((d) => d.retryInMs)).toEqual(Array(8).fill(1000));
  await connection.stop();
});

test("an auth failure reports AUTH_TOKEN_MISMATCH with a hint, then waits ≥60 s — one attempt, not a storm", async () => {
  const { factory, connection, clock, named, log } = setup();
  connection.start();
  const mismatch = new GatewayClientRequestError({
    code: "INVALID_REQUEST",
    message: "unauthorized: gateway token mismatch",
    details: { code: "AUTH_TOKEN_MISMATCH" },
  });
  const waiting = connection.waitUntilConnected(120_000);
  factory.last.connectError(mismatch);
  factory.last.close(1008, "connect failed", mismatch);
  await expect(waiting).rejects.toMatchObject({ code: "AUTH_TOKEN_MISMATCH" });
  expect(connection.state).toBe("auth-failed");
  const failed = named("auth-failed")[0]!;
  expect(failed.code).toBe("AUTH_TOKEN_MISMATCH");
  expect(failed.hint).toContain("OPENCLAW_GATEWAY_TOKEN");
  expect(failed.retryInMs).toBeGreaterThanOrEqual(60_000);
  clock.advance(59_999);
  expect(factory.clients).toHaveLength(1);
  clock.advance(failed.retryInMs - 59_999);
  expect(factory.clients).toHaveLength(2);
  factory.last.connectError(mismatch);
  factory.last.close(1008, "connect failed", mismatch);
  expect(named("auth-failed")[1]!.retryInMs).toBeGreaterThanOrEqual(120_000);
  expect(log.lines.filter((l) => l.level === "error")).toHaveLength(2);
  // Asking again while refused answers at once with the same diagnosis.
  await expect(connection.waitUntilConnected(1000)).rejects.toMatchObject({ code: "AUTH_TOKEN_MISMATCH" });
  expect(log.lines.map((l) => l.message).join("\n")).not.toContain(TOKEN);
  // A person fixed it: reconnectNow skips the wait.
  connection.reconnectNow();
  expect(factory.clients).toHaveLength(3);
  await connection.stop();
});

test("hello-ok without the needed scopes fails with a message naming the missing scopes and the fix", async () => {
  const { factory, connection, named } = setup();
  connection.start();
  factory.last.hello(["operator.read"]);
  await flush();
  expect(connection.state).toBe("auth-failed");
  const failed = named("auth-failed")[0]!;
  expect(failed.code).toBe("MISSING_SCOPES");
  expect(failed.message).toContain("operator.write");
  expect(failed.hint).toMatch(/approve/);
  expect(failed.retryInMs).toBeGreaterThanOrEqual(60_000);
  expect(factory.last.stopped).toBe(true);
  expect(named("connected")).toHaveLength(0);
  await connection.stop();
});

test("a silent connection is probed after 4 s and, with no answer, dropped 10 s after its last frame (within 15 s), then replaced", async () => {
  const { factory, connection, clock, named, log } = setup();
  connection.start();
  factory.last.hello(undefined, 30_000);
  await flush();
  clock.advance(3_000);
  factory.last.event("tick", { ts: 1 });
  const lastFrameAt = clock.now();
  clock.advance(PROBE - 1);
  expect(factory.last.requests).toEqual([]);
  clock.advance(1);
  expect(factory.last.requests.map((r) => r.method)).toEqual(["last-heartbeat"]);
  clock.advance(DEAD - PROBE - 1);
  expect(connection.state).toBe("connected");
  clock.advance(1);
  expect(connection.state).toBe("waiting");
  expect(clock.now() - lastFrameAt).toBeLessThan(15_000);
  expect(named("disconnected")[0]!.reason).toMatch(new RegExp(`liveness timeout \\(${DEAD} ms`));
  expect(factory.clients[0]!.stopped).toBe(true);
  expect(log.lines.some((l) => l.level === "warn" && /nothing received for 10 s/.test(l.message))).toBe(true);
  clock.advance(1000);
  expect(factory.clients).toHaveLength(2);
  await connection.stop();
});

test("an answered probe keeps the connection: an idle Gateway that answers is never dropped", async () => {
  const { factory, connection, clock, named } = setup();
  connection.start();
  factory.last.hello();
  await flush();
  for (let i = 1; i <= 20; i += 1) {
    clock.advance(PROBE);
    const probe = factory.last.requests.pop();
    expect(probe?.method).toBe("last-heartbeat");
    clock.advance(20);
    probe!.resolve({});
    await flush();
  }
  expect(connection.state).toBe("connected");
  expect(named("disconnected")).toEqual([]);
  // An error frame is an answer too (the Gateway is alive, it just refused).
  clock.advance(PROBE);
  factory.last.requests.pop()!.reject(new GatewayClientRequestError({ code: "INVALID_REQUEST", message: "unknown method" }));
  await flush();
  clock.advance(DEAD - 1);
  expect(connection.state).toBe("connected");
  await connection.stop();
});

test("an attempt that hangs without hello or close is abandoned and retried", async () => {
  const { factory, connection, clock, named } = setup({ attemptTimeoutMs: 20_000 });
  connection.start();
  clock.advance(20_000);
  expect(factory.clients[0]!.stopped).toBe(true);
  expect(named("disconnected")[0]!.reason).toMatch(/timed out/);
  await connection.stop();
});

test("a synchronous start failure (e.g. plaintext ws:// to a remote host) backs off long", async () => {
  const { factory, connection, named } = setup({
    createClient: (opts) => {
      const client = factory.create(opts);
      client.start = () => opts.onConnectError?.(new Error("SECURITY ERROR: Cannot connect over plaintext ws://"));
      return client;
    },
  });
  connection.start();
  expect(named("disconnected")[0]).toMatchObject({ code: "CONNECT_SETUP_FAILED" });
  expect(named("disconnected")[0]!.retryInMs).toBeGreaterThanOrEqual(60_000);
  await connection.stop();
});

test("malformed event payloads are logged without content and ignored; good ones are delivered", async () => {
  const { factory, connection, named, log } = setup();
  connection.start();
  factory.last.hello();
  await flush();
  const secretText = "my private chat text";
  factory.last.event("chat", { state: "delta", runId: "r", sessionKey: "s" }); // no deltaText, no seq
  factory.last.event("chat", "not an object");
  factory.last.event("chat", { state: "exploded", runId: "r", sessionKey: "s", seq: 1 });
  factory.last.event("session.message", { sessionKey: "s", message: { content: secretText } }); // no role
  factory.last.event("session.message", null);
  factory.last.event("sessions.changed", { sessionKey: 42 });
  factory.last.event("shutdown", { nothing: true });
  factory.last.event("some.future.event", { whatever: secretText });
  factory.last.event("chat", { state: "delta", runId: "r", sessionKey: "s", seq: 1, deltaText: secretText });
  factory.last.event("session.message", { sessionKey: "s", messageId: "m1", messageSeq: 3, message: { role: "user", content: secretText, idempotencyKey: "k:user" } });
  expect(named("chat")).toHaveLength(1);
  expect(named("session.message")).toEqual([
    expect.objectContaining({ sessionKey: "s", messageId: "m1", messageSeq: 3, message: expect.objectContaining({ role: "user" }) }),
  ]);
  expect(named("sessions.changed")).toHaveLength(0);
  expect(named("shutdown")).toEqual([{ reason: "unspecified" }]);
  const warnings = log.lines.filter((l) => l.level === "warn");
  expect(warnings).toHaveLength(6);
  expect(log.lines.map((l) => l.message).join("\n")).not.toContain(secretText);
  expect(connection.state).toBe("connected");
  await connection.stop();
});

test("a throwing listener is logged and does not break delivery to others", async () => {
  const { factory, connection, named, log } = setup();
  connection.on("chat", () => {
    throw new Error("listener bug");
  });
  connection.start();
  factory.last.hello();
  await flush();
  factory.last.event("chat", { state: "final", runId: "r", sessionKey: "s", seq: 2 });
  expect(named("chat")).toHaveLength(1);
  expect(log.lines.some((l) => l.level === "error" && l.message.includes("listener bug"))).toBe(true);
  await connection.stop();
});

test("stop() is final: no reconnect afterwards", async () => {
  const { factory, connection, clock } = setup();
  connection.start();
  factory.last.hello();
  await flush();
  await connection.stop();
  expect(factory.last.stopped).toBe(true);
  clock.advance(3_600_000);
  expect(factory.clients).toHaveLength(1);
  expect(connection.state).toBe("stopped");
  expect(() => connection.start()).toThrow(/final/);
});

test("states follow the written transitions; a listener's reconnectNow() replaces the pending retry; stop() is final and leaves no timer", async () => {
  const { factory, connection, clock, named } = setup();
  connection.start();
  factory.last.hello();
  await flush();
  const off = connection.on("disconnected", () => connection.reconnectNow());
  factory.last.close(1006, "abnormal");
  off();
  // The listener's reconnect went out at once, and the retry armed for the drop is gone: one new client, not two.
  expect(factory.clients).toHaveLength(2);
  // (Less than the 45 s attempt timeout, far more than the 0.5 s first retry.)
  clock.advance(10_000);
  expect(factory.clients).toHaveLength(2);
  factory.last.hello();
  await flush();
  expect(named("state")).toEqual(["connecting", "connected", "waiting", "connecting", "connected"]);
  expect(connection.hello?.serverVersion).toBeDefined();
  await connection.stop();
  expect(named("state").at(-1)).toBe("stopped");
  expect(connection.hello).toBeUndefined();
  expect(clock.pending()).toEqual([]);
  expect(() => connection.start()).toThrow(/final/);
});
