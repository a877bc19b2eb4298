/** Unit: the connection's request side, driven through a fake official client and a fake clock: typed answers, errors, and requests around a liveness probe. */
import { GatewayClientRequestError } from "@openclaw/gateway-client";
import { GatewayConnectionLostError, GatewayNotConnectedError, GatewayRequestError } from "../../src/gateway/gateway-errors.js";
import { DEAD, flush, PROBE, setup } from "./connection-harness.js";

test("a chat.send on a connection that went dead fails as lost at the verdict, and is never re-sent on it", async () => {
  const { factory, connection, clock } = setup();
  connection.start();
  factory.last.hello();
  await flush();
  const dead = factory.last;
  const first = connection.chatSend({ sessionKey: "main", message: "hi", idempotencyKey: "k1" }).catch((e: unknown) => e);
  await flush();
  clock.advance(PROBE); // silence: the probe goes out; the connection is now suspect
  expect(dead.requests.map((r) => r.method)).toEqual(["chat.send", "last-heartbeat"]);
  // A resend (or any request) made while suspect is held back instead of being put on the suspect socket.
  const retry = connection.chatSend({ sessionKey: "main", message: "hi", idempotencyKey: "k1" }).catch((e: unknown) => e);
  await flush();
  expect(dead.requests.map((r) => r.method)).toEqual(["chat.send", "last-heartbeat"]);
  clock.advance(DEAD - PROBE);
  expect(await first).toBeInstanceOf(GatewayConnectionLostError);
  const held = await retry;
  expect(held).toBeInstanceOf(GatewayNotConnectedError);
  expect((held as GatewayNotConnectedError).message).toMatch(/was not sent/);
  expect(dead.requests).toEqual([]); // stopped: the pending ones were rejected, nothing new was queued on it
  // The next connection takes the resend (same idempotency key: the Gateway answers a repeat without a second run).
  clock.advance(1_000);
  factory.last.hello();
  await flush();
  const resend = connection.chatSend({ sessionKey: "main", message: "hi", idempotencyKey: "k1" });
  await flush();
  expect(factory.last).not.toBe(dead);
  factory.last.requests.find((r) => r.method === "chat.send")!.resolve({ runId: "k1", status: "ok" });
  await expect(resend).resolves.toMatchObject({ runId: "k1", status: "ok" });
  await connection.stop();
});

test("a request held while suspect goes out on the same connection once the probe is answered", async () => {
  const { factory, connection, clock } = setup();
  connection.start();
  factory.last.hello();
  await flush();
  clock.advance(PROBE);
  const send = connection.chatSend({ sessionKey: "main", message: "hi", idempotencyKey: "k2" });
  await flush();
  expect(factory.last.requests.map((r) => r.method)).toEqual(["last-heartbeat"]);
  factory.last.requests[0]!.resolve({});
  await flush();
  expect(factory.last.requests.map((r) => r.method)).toEqual(["last-heartbeat", "chat.send"]);
  factory.last.requests[1]!.resolve({ runId: "k2", status: "started" });
  await expect(send).resolves.toMatchObject({ status: "started" });
  expect(factory.clients).toHaveLength(1);
  await connection.stop();
});

test("requests while disconnected reject at once with GatewayNotConnectedError; in-flight ones with ConnectionLost", async () => {
  const { factory, connection } = setup();
  await expect(connection.chatSend({ sessionKey: "main", message: "hi", idempotencyKey: "k" })).rejects.toBeInstanceOf(GatewayNotConnectedError);
  connection.start();
  await expect(connection.sessionsList()).rejects.toMatchObject({ code: "GATEWAY_NOT_CONNECTED", state: "connecting" });
  factory.last.hello();
  await flush();
  const pending = connection.chatSend({ sessionKey: "main", message: "hi", idempotencyKey: "k" });
  expect(factory.last.requests[0]).toMatchObject({ method: "chat.send", params: { sessionKey: "main", message: "hi", idempotencyKey: "k" } });
  factory.last.close(1006, "");
  await expect(pending).rejects.toBeInstanceOf(GatewayConnectionLostError);
  await connection.stop();
});

test("typed requests parse answers; gateway errors become GatewayRequestError", async () => {
  const { factory, connection } = setup();
  connection.start();
  factory.last.hello();
  await flush();
  const send = connection.chatSend({ sessionKey: "main", message: "hi", idempotencyKey: "k1" });
  factory.last.requests[0]!.resolve({ runId: "k1", status: "started" });
  await expect(send).resolves.toEqual({ runId: "k1", status: "started", messageSeq: undefined });

  const abort = connection.chatAbort({ sessionKey: "main", runId: "k1" });
  factory.last.requests[1]!.resolve({ ok: true, aborted: true, runIds: ["k1"] });
  await expect(abort).resolves.toEqual({ ok: true, aborted: true, runIds: ["k1"] });

  const denied = connection.chatSend({ sessionKey: "main", message: "hi", idempotencyKey: "k2" });
  factory.last.requests[2]!.reject(new GatewayClientRequestError({ code: "FORBIDDEN", message: "missing scope: operator.write", details: { code: "MISSING_SCOPE" } }));
  await expect(denied).rejects.toBeInstanceOf(GatewayRequestError);
  await expect(denied).rejects.toMatchObject({ code: "FORBIDDEN", method: "chat.send" });

  const malformed = connection.chatSend({ sessionKey: "main", message: "hi", idempotencyKey: "k3" });
  factory.last.requests[3]!.resolve({ nope: true });
  await expect(malformed).rejects.toMatchObject({ code: "GATEWAY_PROTOCOL_ERROR" });
  await connection.stop();
});
