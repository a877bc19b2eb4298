/** Real Gateway: SIGTERM and start again; the relay's connection comes back by itself and works. */
import { randomUUID } from "node:crypto";
import { stubReplyFor } from "../../dev/devkit/stub-model-server.js";
import { GatewayNotConnectedError, transcriptText, type TranscriptMessage } from "../../src/gateway/index.js";
import { e2eInfo, startGateway, stopGateway } from "../support/gateway-fixture.js";
import { relayConnection } from "../support/relay-connection.js";

test("the client reconnects by itself after the Gateway is stopped with SIGTERM and started again", async () => {
  const info = e2eInfo();
  const relay = await relayConnection({ env: { OPENCLAW_GATEWAY_URL: info.gatewayUrl, OPENCLAW_GATEWAY_TOKEN: info.gatewayToken } });
  try {
    await relay.connection.waitUntilConnected(60_000);
    const from = relay.events.length;

    const stopped = await stopGateway();
    expect(stopped.running).toBe(false);
    const shutdown = await relay.waitFor("shutdown", undefined, 10_000, from);
    expect(shutdown.reason).toEqual(expect.any(String));
    const lost = await relay.waitFor("disconnected", (d) => d.wasConnected, 10_000, from);
    expect(lost.retryInMs).toBeLessThanOrEqual(2_000);

    // While it is down, requests fail fast with a typed error (the bridge keeps its queue).
    const t0 = Date.now();
    await expect(relay.connection.chatSend({ sessionKey: "main", message: "x", idempotencyKey: randomUUID() })).rejects.toBeInstanceOf(
      GatewayNotConnectedError,
    );
    expect(Date.now() - t0).toBeLessThan(100);

    const started = await startGateway();
    const upAt = Date.now();
    const hello = await relay.waitFor("connected", undefined, 60_000, from);
    const reconnectMs = Date.now() - upAt;
    process.stderr.write(
      `[e2e] gateway start took ${started.tookMs} ms; relay reconnected ${reconnectMs} ms after it was ready ` +
        `(${relay.all("disconnected").length - 1} failed attempts while it was down)\n`,
    );
    expect(hello.scopes).toEqual(expect.arrayContaining(["operator.read", "operator.write"]));
    expect(reconnectMs).toBeLessThan(5_000);

    // And it works: a turn completes, and session events flow (the subscription was re-issued).
    const sessionKey = `e2e-restart-${randomUUID().slice(0, 8)}`;
    const runId = randomUUID();
    const after = relay.events.length;
    await relay.connection.chatSend({ sessionKey, message: "after the restart", idempotencyKey: runId });
    const final = await relay.waitFor("chat", (e) => e.runId === runId && e.state === "final", 60_000, after);
    expect(final.state === "final" ? transcriptText(final.message as TranscriptMessage) : "").toBe(stubReplyFor("after the restart"));
    await relay.waitFor("session.message", (m) => m.sessionKey.endsWith(sessionKey) && m.message.role === "assistant", 30_000, after);
  } finally {
    await relay.close();
  }
}, 180_000);
