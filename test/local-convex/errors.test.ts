/** Errors: ConvexError data on both clients, hidden internal functions, and malformed frames that must not crash. */
import { WebSocket } from "ws";
import { ConvexError, type Value } from "convex/values";
import { makeFunctionReference } from "convex/server";
import { api } from "../fixtures/local-convex-app/_generated/api.js";
import { Harness, record, waitFor } from "./helpers.js";

const h = new Harness();
afterEach(() => h.closeAll());

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

test("ConvexError data reaches ConvexClient from a mutation, an action and a subscribed query", async () => {
  const server = await h.server();
  const client = h.client(server);
  const fromMutation = await caught(client.mutation(api.messages.rejectMutation, { reason: "bad input" }));
  expect(fromMutation).toBeInstanceOf(ConvexError);
  expect((fromMutation as ConvexError<Value>).data).toEqual({ code: "BAD_REQUEST", message: "bad input" });

  const fromAction = await caught(client.action(api.messages.post, { channel: "e", body: "" }));
  expect((fromAction as ConvexError<Value>).data).toEqual({ code: "BAD_REQUEST", message: "empty body" });

  const failing = record<unknown>((onValue, onError) => client.onUpdate(api.messages.rejectQuery, {}, onValue, onError));
  await waitFor(() => failing.errors.length > 0, 5000, "query error");
  expect((failing.errors[0] as ConvexError<Value>).data).toEqual({ code: "NOT_FOUND", message: "nothing here" });

  // A plain Error has no data but its message gets through (dev-deployment style).
  const plain = await caught(client.mutation(api.messages.crash, {}));
  expect(plain).not.toBeInstanceOf(ConvexError);
  expect(String(plain)).toMatch(/plain failure/);
});

test("ConvexError data reaches ConvexHttpClient from a query, a mutation and an action", async () => {
  const server = await h.server();
  const http = h.http(server);
  for (const [promise, code] of [
    [http.query(api.messages.rejectQuery, {}), "NOT_FOUND"],
    [http.mutation(api.messages.rejectMutation, { reason: "x" }), "BAD_REQUEST"],
    [http.action(api.messages.post, { channel: "e", body: "" }), "BAD_REQUEST"],
  ] as const) {
    const error = await caught(promise);
    expect(error).toBeInstanceOf(ConvexError);
    expect((error as ConvexError<{ code: string }>).data.code).toBe(code);
  }
  // Argument validators run as on the real backend.
  await expect(http.mutation(api.messages.send, { channel: "e" } as never)).rejects.toThrow(/body/);
});

test("internal and unknown functions are not reachable from clients", async () => {
  const server = await h.server();
  const http = h.http(server);
  const internalRef = makeFunctionReference<"mutation">("messages:insertInternal");
  await expect(http.mutation(internalRef, { channel: "x", body: "y" })).rejects.toThrow(/Could not find public function/);
  await expect(http.query(makeFunctionReference<"query">("nope:missing"), {})).rejects.toThrow(/Could not find public function/);
  // Asking for the wrong kind is refused too.
  await expect(http.query(makeFunctionReference<"query">("messages:send"), {})).rejects.toThrow(/defined as mutation/);
  expect(server.stats().calls["messages:insertInternal"]).toBeUndefined();
});

test("malformed frames close only the offending connection with a FatalError", async () => {
  const server = await h.server();
  const client = h.client(server);
  const list = record<string[]>((onValue, onError) => client.onUpdate(api.messages.list, { channel: "f" }, onValue, onError));
  await list.until(() => true);
  const wsUrl = `${server.url.replace("http", "ws")}/api/1.48.0/sync`;

  for (const frame of ["not json", JSON.stringify({ type: "Nonsense" }), JSON.stringify({ type: "Mutation", requestId: 0 })]) {
    const raw = new WebSocket(wsUrl);
    const received: string[] = [];
    raw.on("message", (data) => received.push(String(data)));
    await new Promise((resolve) => raw.once("open", resolve));
    raw.send(frame);
    const code = await new Promise<number>((resolve) => raw.once("close", (closeCode) => resolve(closeCode)));
    expect(code).toBe(1002);
    expect(JSON.parse(received[0]!)).toMatchObject({ type: "FatalError" });
  }

  // The server and the well-behaved client are unaffected.
  await client.mutation(api.messages.send, { channel: "f", body: "ok" });
  expect(list.latest()).toEqual(["ok"]);
  expect(client.connectionState().connectionCount).toBe(1);
});

test("internal functions are reachable with the configured admin key only", async () => {
  const server = await h.server({ adminKey: "local-admin-key" });
  const call = (authorization: string) =>
    fetch(`${server.url}/api/mutation`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: authorization },
      body: JSON.stringify({ path: "messages:insertInternal", format: "convex_encoded_json", args: [{ channel: "adm", body: "x" }] }),
    });
  expect((await call("Convex local-admin-key")).status).toBe(200);
  expect((await call("Convex wrong-key")).status).toBe(401);
  await expect(h.http(server).query(api.messages.list, { channel: "adm" })).resolves.toEqual(["x"]);
});
