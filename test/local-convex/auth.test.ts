/** Auth over both clients: queries re-run when the identity changes (Authenticate / identity version). */
import { api } from "../fixtures/local-convex-app/_generated/api.js";
import { Harness, makeJwt, record, waitFor } from "./helpers.js";

const h = new Harness();
afterEach(() => h.closeAll());

type Who = { subject: string; name: string | null } | null;

test("a subscription re-runs after setAuth, a new token, and clearAuth", async () => {
  const server = await h.server();
  const client = h.client(server);
  const who = record<Who>((onValue, onError) => client.onUpdate(api.messages.whoami, {}, onValue, onError));
  await who.until((v) => v === null);

  let token = makeJwt("alice", { name: "Alice" });
  const authChanges: boolean[] = [];
  client.setAuth(async () => token, (isAuthenticated) => authChanges.push(isAuthenticated));
  await who.until((v) => v?.subject === "alice");
  expect(who.latest()).toEqual({ subject: "alice", name: "Alice" });
  await waitFor(() => authChanges.includes(true), 5000, "onChange(true)");

  // Mutations see the caller too: `send` records the author from ctx.auth.
  await client.mutation(api.messages.send, { channel: "auth", body: "hi" });
  const rows = await client.query(api.messages.page, { channel: "auth", paginationOpts: { numItems: 5, cursor: null } });
  expect(rows.page.map((row: { author?: string }) => row.author)).toEqual(["alice"]);

  token = makeJwt("bob");
  client.setAuth(async () => token);
  await who.until((v) => v?.subject === "bob");

  client.client.clearAuth();
  await who.until((v) => v === null);
  expect(who.errors).toEqual([]);
});

test("ConvexHttpClient sends the token as a Bearer header; bad tokens are refused", async () => {
  const server = await h.server();
  const http = h.http(server);
  await expect(http.query(api.messages.whoami, {})).resolves.toBeNull();
  http.setAuth(makeJwt("carol", { name: "Carol" }));
  await expect(http.query(api.messages.whoami, {})).resolves.toEqual({ subject: "carol", name: "Carol" });
  http.setAuth(makeJwt("dave", { exp: Math.floor(Date.now() / 1000) - 10 }));
  await expect(http.query(api.messages.whoami, {})).rejects.toThrow(/Token expired/);
  http.clearAuth();
  await expect(http.query(api.messages.whoami, {})).resolves.toBeNull();
});

test("an invalid token gets an AuthError and the client falls back to no identity", async () => {
  const server = await h.server();
  const client = h.client(server);
  const who = record<Who>((onValue, onError) => client.onUpdate(api.messages.whoami, {}, onValue, onError));
  await who.until((v) => v === null);
  const authChanges: boolean[] = [];
  let fetches = 0;
  client.setAuth(
    async () => {
      fetches += 1;
      return "not-a-jwt";
    },
    (isAuthenticated) => authChanges.push(isAuthenticated),
  );
  await waitFor(() => authChanges.includes(false), 5000, "onChange(false)");
  expect(fetches).toBeGreaterThanOrEqual(1);
  // Still connected and still answering as anonymous.
  await client.mutation(api.messages.send, { channel: "anon", body: "still works" });
  expect(who.latest()).toBeNull();
});
