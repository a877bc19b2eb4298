/** No web page but the server's own site may drive the local server: Origin on sockets and the API, JSON-only POSTs. */
import { WebSocket } from "ws";
import { Harness } from "./helpers.js";

const h = new Harness();
afterEach(() => h.closeAll());

const EVIL = "https://evil.example";
const body = JSON.stringify({ path: "messages:send", format: "convex_encoded_json", args: [{ channel: "o", body: "hi" }] });

/** The handshake's HTTP status: 101 when the socket opened. */
function upgradeStatus(url: string, origin: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, "ws")}/api/1.48.0/sync`, origin === undefined ? {} : { origin });
    socket.once("open", () => {
      socket.terminate();
      resolve(101);
    });
    socket.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.once("error", (error) => reject(error));
  });
}

const sends = (server: { stats(): { calls: Record<string, number> } }) => server.stats().calls["messages:send"] ?? 0;

test("a WebSocket from another page's Origin is refused; no Origin (Node) and the site's own are accepted", async () => {
  const server = await h.server();
  expect(await upgradeStatus(server.url, EVIL)).toBe(403);
  expect(await upgradeStatus(server.url, `http://127.0.0.1:${server.port}9`)).toBe(403);
  expect(await upgradeStatus(server.url, undefined)).toBe(101);
  expect(await upgradeStatus(server.url, server.siteUrl)).toBe(101);
  expect(await upgradeStatus(server.url, `http://localhost:${server.sitePort}`)).toBe(101);
});

test("an API call from another page's Origin is refused before anything runs, and gets no CORS grant", async () => {
  const server = await h.server();
  const post = await fetch(`${server.url}/api/mutation`, { method: "POST", headers: { "Content-Type": "application/json", Origin: EVIL }, body });
  expect(post.status).toBe(403);
  expect(post.headers.get("access-control-allow-origin")).toBeNull();
  const preflight = await fetch(`${server.url}/api/mutation`, {
    method: "OPTIONS",
    headers: { Origin: EVIL, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
  });
  expect(preflight.status).toBe(403);
  expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  const ts = await fetch(`${server.url}/api/query_ts`, { method: "POST", headers: { "Content-Type": "application/json", Origin: EVIL }, body: "{}" });
  expect(ts.status).toBe(403);
  expect(sends(server)).toBe(0);
});

test("a text/plain or form POST (what a cross-site form can send) is refused with 415", async () => {
  const server = await h.server();
  for (const type of ["text/plain", "application/x-www-form-urlencoded", undefined]) {
    const res = await fetch(`${server.url}/api/mutation`, { method: "POST", headers: type ? { "Content-Type": type } : {}, body });
    expect({ type, status: res.status }).toEqual({ type, status: 415 });
  }
  expect(sends(server)).toBe(0);
  const ok = await fetch(`${server.url}/api/mutation`, { method: "POST", headers: { "Content-Type": "application/json; charset=utf-8" }, body });
  expect(ok.status).toBe(200);
  expect(sends(server)).toBe(1);
});

test("the site's own page gets a CORS grant naming it, never *", async () => {
  const server = await h.server({ allowedOrigins: ["http://127.0.0.1:1"] });
  for (const origin of [server.siteUrl, "http://127.0.0.1:1"]) {
    const preflight = await fetch(`${server.url}/api/mutation`, { method: "OPTIONS", headers: { Origin: origin, "Access-Control-Request-Method": "POST" } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(origin);
    const res = await fetch(`${server.url}/api/mutation`, { method: "POST", headers: { "Content-Type": "application/json", Origin: origin }, body });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe(origin);
    expect(res.headers.get("vary")).toBe("Origin");
  }
  const plain = await fetch(`${server.url}/api/mutation`, { method: "POST", headers: { "Content-Type": "application/json" }, body });
  expect(plain.headers.get("access-control-allow-origin")).toBeNull();
});
