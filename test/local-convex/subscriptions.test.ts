/** Subscriptions over the sync protocol with the unmodified ConvexClient: writes, scheduled writes, actions. */
import { api } from "../fixtures/local-convex-app/_generated/api.js";
import { Harness, record } from "./helpers.js";

const h = new Harness();
afterEach(() => h.closeAll());

test("a subscription updates after every write: own mutation, another client's HTTP mutation", async () => {
  const server = await h.server();
  const client = h.client(server);
  const list = record<string[]>((onValue, onError) => client.onUpdate(api.messages.list, { channel: "a" }, onValue, onError));
  await list.until((v) => v.length === 0);

  await client.mutation(api.messages.send, { channel: "a", body: "one" });
  // The mutation promise resolves only after a Transition at or past its ts, so the value is there.
  expect(list.latest()).toEqual(["one"]);

  await h.http(server).mutation(api.messages.send, { channel: "a", body: "two" });
  await list.until((v) => v.length === 2);
  expect(list.latest()).toEqual(["one", "two"]);
  // Writes to another channel do not produce a new value for this query.
  const seen = list.values.length;
  await client.mutation(api.messages.send, { channel: "b", body: "elsewhere" });
  expect(list.values.length).toBe(seen);
});

test("writes made by a scheduled function reach subscribers with no client request", async () => {
  const server = await h.server({ pollIntervalMs: 10 });
  const client = h.client(server);
  const list = record<string[]>((onValue, onError) => client.onUpdate(api.messages.list, { channel: "later" }, onValue, onError));
  await list.until((v) => v.length === 0);

  await client.mutation(api.messages.sendLater, { channel: "later", body: "from the scheduler", delayMs: 150 });
  expect(list.latest()).toEqual([]);
  await list.until((v) => v.length === 1, 3000);
  expect(list.latest()).toEqual(["from the scheduler"]);
  expect(server.stats().calls["messages:insertInternal"]).toBe(1);
});

test("stopping the server clears its scheduled functions' timers: nothing pending holds the process open", async () => {
  const timeouts = () => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
  const server = await h.server();
  await h.http(server).mutation(api.messages.sendLater, { channel: "never", body: "in an hour", delayMs: 3_600_000 });
  // The client's own timers settle first; what stays is the scheduled function's.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const before = timeouts();
  await server.stop();
  expect(timeouts()).toBeLessThan(before);
  expect(server.stats().calls["messages:insertInternal"]).toBeUndefined();
});

test("an action that calls ctx.runMutation and ctx.runQuery works from both clients", async () => {
  const server = await h.server();
  const client = h.client(server);
  const list = record<string[]>((onValue, onError) => client.onUpdate(api.messages.list, { channel: "act" }, onValue, onError));
  await list.until((v) => v.length === 0);

  await expect(client.action(api.messages.post, { channel: "act", body: "ws" })).resolves.toEqual({ count: 1 });
  await list.until((v) => v.length === 1);
  await expect(h.http(server).action(api.messages.post, { channel: "act", body: "http" })).resolves.toEqual({ count: 2 });
  await list.until((v) => v.length === 2);
  expect(list.latest()).toEqual(["ws", "http"]);

  const stats = server.stats();
  expect(stats.requests["messages:post"]).toBe(2);
  expect(stats.calls["messages:post"]).toBe(2);
  // The nested calls are counted too: they are the writes a benchmark wants to see.
  expect(stats.calls["messages:insertInternal"]).toBe(2);
  expect(stats.byKind.action).toBe(2);
});

test("a paginated subscription keeps its first page's end (journal): a new row grows the page, no gap", async () => {
  const server = await h.server();
  const client = h.client(server);
  const http = h.http(server);
  for (const body of ["m1", "m2", "m3"]) await http.mutation(api.messages.send, { channel: "p", body });

  const firstPage = record<{ page: { body: string }[]; isDone: boolean }>((onValue, onError) =>
    client.onUpdate(api.messages.page, { channel: "p", paginationOpts: { numItems: 2, cursor: null } }, onValue, onError),
  );
  const first = await firstPage.until(() => true);
  expect(first.page.map((row) => row.body)).toEqual(["m3", "m2"]);
  expect(first.isDone).toBe(false);

  // Newest first: without the journal the re-run would return [m4, m3] and m2 would fall between pages.
  await client.mutation(api.messages.send, { channel: "p", body: "m4" });
  expect(firstPage.latest()?.page.map((row) => row.body)).toEqual(["m4", "m3", "m2"]);
});

test("stats count executions, requests and connections; resetStats zeroes the counters", async () => {
  const server = await h.server();
  const client = h.client(server);
  await client.mutation(api.messages.increment, { name: "s" });
  await client.mutation(api.messages.increment, { name: "s" });
  await expect(client.query(api.messages.counter, { name: "s" })).resolves.toBe(2);
  const stats = server.stats();
  expect(stats.calls["messages:increment"]).toBe(2);
  expect(stats.requests["messages:increment"]).toBe(2);
  expect(stats.byKind.mutation).toBe(2);
  expect(stats.connections).toEqual({ open: 1, total: 1 });
  server.resetStats();
  expect(server.stats().calls).toEqual({});
  expect(server.stats().connections.total).toBe(1);
});
