/** The control port answers only a caller holding its token: a web page's cross-site POST cannot take the server down. */
import { checkControlToken, newControlToken, startControlServer } from "../../dev/local-convex/control-server.js";
import { Harness } from "./helpers.js";

const h = new Harness();
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  await h.closeAll();
});

async function started() {
  const server = await h.server();
  const token = newControlToken();
  const control = await startControlServer(server, 0, token);
  closers.push(() => control.close());
  return { server, token, control };
}

test("without the token, or with a wrong one, nothing happens: 401", async () => {
  const { server, token, control } = await started();
  const attempts: Array<Record<string, string>> = [
    {},
    { Authorization: "Bearer wrong" },
    { Authorization: `Bearer ${token.slice(0, -1)}x` },
    { Authorization: token },
    // What a cross-site HTML form can send.
    { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://evil.example" },
  ];
  for (const headers of attempts) {
    const res = await fetch(`${control.url}/offline`, { method: "POST", headers, body: "x=1" });
    expect(res.status).toBe(401);
    expect(server.online).toBe(true);
  }
  expect((await fetch(`${control.url}/stats`)).status).toBe(401);
});

test("with the token every route works", async () => {
  const { server, token, control } = await started();
  const auth = { Authorization: `Bearer ${token}` };
  expect((await fetch(`${control.url}/stats`, { headers: auth })).status).toBe(200);
  expect(await (await fetch(`${control.url}/offline`, { method: "POST", headers: auth })).json()).toEqual({ online: false });
  expect(server.online).toBe(false);
  expect(await (await fetch(`${control.url}/online`, { method: "POST", headers: auth })).json()).toEqual({ online: true });
  expect((await fetch(`${control.url}/nope`, { headers: auth })).status).toBe(404);
});

test("a short token is refused at start", async () => {
  const server = await h.server();
  expect(() => checkControlToken("short")).toThrow(/at least 32/);
  await expect(startControlServer(server, 0, "short")).rejects.toThrow(/at least 32/);
});
