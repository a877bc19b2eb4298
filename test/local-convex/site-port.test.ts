/** HTTP actions on the site port: the project's convex/http.ts served as a deployment serves it, with per-server URLs. */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConvexHttpClient } from "convex/browser";
import { api } from "../../convex/_generated/api.js";
import { LOCAL_CONVEX_REGISTRATION_KEY, provideLocalRegistrationKey } from "../../dev/local-convex/registration-key.js";
import { Harness } from "./helpers.js";

const projectConvexDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../convex");
const h = new Harness();
// The servers run in this process: their functions read this process's environment.
beforeAll(() => provideLocalRegistrationKey());
afterEach(() => h.closeAll());

async function webInfo(url: string): Promise<{ siteUrl: string | null }> {
  const client = new ConvexHttpClient(url, { logger: false });
  const secret = Buffer.alloc(32, 7).toString("base64url");
  await client.mutation(api.instances.register, { secret, name: "Home", registrationKey: LOCAL_CONVEX_REGISTRATION_KEY });
  return await client.query(api.web.info, { relaySecret: secret });
}

test("the site port serves the web app with the deployment's own URLs", async () => {
  const server = await h.server({ functionsDir: projectConvexDir });
  expect(server.siteUrl).toBe(`http://127.0.0.1:${server.sitePort}`);
  expect(server.sitePort).not.toBe(server.port);

  const shell = await fetch(`${server.siteUrl}/pair`);
  expect(shell.status).toBe(200);
  expect(shell.headers.get("content-type")).toBe("text/html; charset=utf-8");
  expect(shell.headers.get("content-security-policy")).toContain(`connect-src 'self' ${server.url} ws://127.0.0.1:${server.port};`);
  expect(await shell.text()).toMatch(/^<!doctype html>/i);

  const config = await fetch(`${server.siteUrl}/app-config.json`);
  expect(await config.json()).toEqual({ convexUrl: server.url });
  expect((await fetch(`${server.siteUrl}/assets/missing-0000.js`)).status).toBe(404);
  const head = await fetch(`${server.siteUrl}/`, { method: "HEAD" });
  expect(head.status).toBe(200);
  expect(head.headers.get("content-type")).toBe("text/html; charset=utf-8");
  expect(await head.text()).toBe("");

  // Only GET routes exist: a POST (with a body) gets the router's 404, and the server goes on.
  const post = await fetch(`${server.siteUrl}/pair`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
  expect(post.status).toBe(404);
  expect((await fetch(`${server.siteUrl}/`)).status).toBe(200);

  // The sync port is not the site: its root is no web page.
  expect((await fetch(`${server.url}/`)).status).toBe(404);
});

test("two servers in one process: each one's functions see their own CONVEX_CLOUD_URL and CONVEX_SITE_URL", async () => {
  const [a, b] = await Promise.all([h.server({ functionsDir: projectConvexDir }), h.server({ functionsDir: projectConvexDir })]);
  const before = { cloud: process.env.CONVEX_CLOUD_URL, site: process.env.CONVEX_SITE_URL };
  const [configA, configB, infoA, infoB] = await Promise.all([
    fetch(`${a.siteUrl}/app-config.json`).then((r) => r.json()),
    fetch(`${b.siteUrl}/app-config.json`).then((r) => r.json()),
    webInfo(a.url),
    webInfo(b.url),
  ]);
  expect(configA).toEqual({ convexUrl: a.url });
  expect(configB).toEqual({ convexUrl: b.url });
  expect(infoA).toEqual({ siteUrl: a.siteUrl });
  expect(infoB).toEqual({ siteUrl: b.siteUrl });
  // Outside a call the process environment is what it was.
  expect({ cloud: process.env.CONVEX_CLOUD_URL, site: process.env.CONVEX_SITE_URL }).toEqual(before);
});

test("going offline closes the site port too; online serves it again on the same port", async () => {
  const server = await h.server({ functionsDir: projectConvexDir });
  const siteUrl = server.siteUrl;
  await server.goOffline();
  await expect(fetch(`${siteUrl}/`)).rejects.toThrow();
  await server.goOnline();
  expect(server.siteUrl).toBe(siteUrl);
  expect((await fetch(`${siteUrl}/`)).status).toBe(200);
});

test("functions without convex/http.ts: the site port says so with a 404", async () => {
  const server = await h.server();
  const res = await fetch(`${server.siteUrl}/`);
  expect(res.status).toBe(404);
  expect(await res.text()).toMatch(/no HTTP actions/);
});
