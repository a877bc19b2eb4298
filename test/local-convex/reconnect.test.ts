/** Connection loss: reconnect + resubscribe, replayed mutations run once, order is kept, offline/online keeps data. */
import { api } from "../fixtures/local-convex-app/_generated/api.js";
import type { LocalConvexServer } from "../../dev/local-convex/index.js";
import { Harness, record, waitFor } from "./helpers.js";

const h = new Harness();
afterEach(() => h.closeAll());

test("after the server drops it, the client reconnects, resubscribes and keeps receiving updates", async () => {
  const server = await h.server();
  const client = h.client(server);
  const list = record<string[]>((onValue, onError) => client.onUpdate(api.messages.list, { channel: "r" }, onValue, onError));
  await list.until((v) => v.length === 0);

  expect(server.dropAllConnections()).toBe(1);
  await waitFor(() => client.connectionState().connectionCount === 2 && client.connectionState().isWebSocketConnected, 10_000, "reconnect");
  await waitFor(() => server.stats().connections.open === 1, 5000, "server sees the new connection");

  // Written by someone else after the reconnect: only a resubscribed query can see it.
  await h.http(server).mutation(api.messages.send, { channel: "r", body: "after reconnect" });
  await list.until((v) => v.length === 1);
  expect(server.stats().connections.total).toBe(2);
  expect(list.errors).toEqual([]);
});

test("mutations replayed after a reconnect run once (dedupe on sessionId + requestId) and keep their order", async () => {
  let server: LocalConvexServer | undefined;
  let dropped = false;
  server = await h.server({
    hooks: {
      // The second mutation has run but its response is lost with the connection: the client
      // must replay it (and the three queued behind it) on the new connection.
      beforeMutationResponse: ({ udfPath, replayed }) => {
        if (!dropped && !replayed && udfPath === "messages:send" && server!.stats().calls["messages:send"] === 2) {
          dropped = true;
          server!.dropAllConnections();
        }
      },
    },
  });
  const client = h.client(server);
  const bodies = ["m0", "m1", "m2", "m3", "m4"];
  // Fired without awaiting: one client's mutations must still apply in the order they were made.
  const results = await Promise.all(bodies.map((body) => client.mutation(api.messages.send, { channel: "d", body })));

  expect(dropped).toBe(true);
  expect(new Set(results).size).toBe(5);
  await expect(h.http(server).query(api.messages.list, { channel: "d" })).resolves.toEqual(bodies);
  const stats = server.stats();
  expect(stats.calls["messages:send"]).toBe(5);
  expect(stats.replayedMutations).toBeGreaterThanOrEqual(1);
  expect(stats.connections.total).toBe(2);
});

test("many concurrent mutations from one client apply in order", async () => {
  const server = await h.server();
  const client = h.client(server);
  const bodies = Array.from({ length: 30 }, (_, i) => `n${i}`);
  const pending = bodies.map((body) => client.mutation(api.messages.send, { channel: "o", body }));
  // A concurrent reader must never see them out of order either.
  const list = record<string[]>((onValue, onError) => client.onUpdate(api.messages.list, { channel: "o" }, onValue, onError));
  await Promise.all(pending);
  const final = await list.until((v) => v.length === 30);
  expect(final).toEqual(bodies);
  for (const value of list.values) expect(value).toEqual(bodies.slice(0, value.length));
});

test("goOffline/goOnline: same port, data intact, clients come back by themselves", async () => {
  const server = await h.server();
  const client = h.client(server);
  const http = h.http(server);
  await client.mutation(api.messages.send, { channel: "out", body: "before" });
  const list = record<string[]>((onValue, onError) => client.onUpdate(api.messages.list, { channel: "out" }, onValue, onError));
  await list.until((v) => v.length === 1);
  const { port, url } = server;

  await server.goOffline();
  expect(server.online).toBe(false);
  await expect(http.query(api.messages.list, { channel: "out" })).rejects.toThrow();
  await waitFor(() => !client.connectionState().isWebSocketConnected, 5000, "client notices the outage");
  // A mutation made while offline waits in the client and is sent after the reconnect.
  const queued = client.mutation(api.messages.send, { channel: "out", body: "during" });

  await server.goOnline();
  expect(server.port).toBe(port);
  expect(server.url).toBe(url);
  await queued;
  await expect(http.query(api.messages.list, { channel: "out" })).resolves.toEqual(["before", "during"]);
  await list.until((v) => v.length === 2, 20_000);
}, 30_000);
