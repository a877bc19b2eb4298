/** stats().reads: the documents each function read through ctx.db and their bytes, per execution path. */
import { api } from "../fixtures/local-convex-app/_generated/api.js";
import { Harness } from "./helpers.js";

const h = new Harness();
afterEach(() => h.closeAll());

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

test("collect, paginate, unique and misses are counted per function, with the documents' JSON bytes", async () => {
  const server = await h.server();
  const http = h.http(server);
  for (const body of ["one", "two", "three"]) await http.mutation(api.messages.send, { channel: "r", body });
  await http.mutation(api.messages.send, { channel: "other", body: "elsewhere" });
  server.resetStats();

  await http.query(api.messages.list, { channel: "r" });
  const page = await http.query(api.messages.page, { channel: "r", paginationOpts: { numItems: 2, cursor: null } });
  await http.query(api.messages.counter, { name: "missing" });
  await http.mutation(api.messages.increment, { name: "c" });

  const reads = server.stats().reads;
  expect(reads["messages:list"]?.rows).toBe(3);
  expect(reads["messages:page"]).toEqual({ rows: 2, bytes: page.page.reduce((sum: number, doc: unknown) => sum + jsonBytes(doc), 0) });
  expect(reads["messages:counter"]).toEqual({ rows: 0, bytes: 0 });
  // increment reads the (missing) counter row before inserting it.
  expect(reads["messages:increment"]).toEqual({ rows: 0, bytes: 0 });
  await http.query(api.messages.counter, { name: "c" });
  expect(server.stats().reads["messages:counter"]?.rows).toBe(1);
  expect(server.stats().reads["messages:counter"]?.bytes).toBeGreaterThan(jsonBytes({ name: "c", value: 1 }));

  server.resetStats();
  expect(server.stats().reads).toEqual({});
});

test("a subscription re-run counts its reads again, as a deployment would bill them", async () => {
  const server = await h.server();
  const client = h.client(server);
  const seen: string[][] = [];
  client.onUpdate(api.messages.list, { channel: "s" }, (rows) => seen.push(rows));
  await client.mutation(api.messages.send, { channel: "s", body: "a" });
  await client.mutation(api.messages.send, { channel: "s", body: "b" });
  const end = Date.now() + 5000;
  while (!seen.some((rows) => rows.length === 2) && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  // Runs over 0, 1 and 2 rows at least.
  expect(server.stats().reads["messages:list"]?.rows).toBeGreaterThanOrEqual(3);
});
