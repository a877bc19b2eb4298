/** convex/http.ts through convex-test's fetch: the embedded app, its config and headers, and `web:info`. */
import { api } from "../../convex/_generated/api.js";
import { WEB_ASSETS } from "../../convex/lib/web-assets.generated.js";
import { IMMUTABLE_CACHE } from "../../convex/lib/web-serve.js";
import { expectError, newBackend, registerInstance, useConvexTestFile, type Backend } from "./fixtures.js";

const CLOUD = "https://happy-animal-123.convex.cloud";
const SITE = "https://happy-animal-123.convex.site";

let t: Backend;
const saved = { cloud: process.env.CONVEX_CLOUD_URL, site: process.env.CONVEX_SITE_URL };
function setEnv(cloud: string | undefined, site: string | undefined): void {
  if (cloud === undefined) delete process.env.CONVEX_CLOUD_URL;
  else process.env.CONVEX_CLOUD_URL = cloud;
  if (site === undefined) delete process.env.CONVEX_SITE_URL;
  else process.env.CONVEX_SITE_URL = site;
}

useConvexTestFile(() => t);
beforeEach(() => {
  t = newBackend();
  setEnv(CLOUD, SITE);
});
afterAll(() => setEnv(saved.cloud, saved.site));

test("every embedded asset is served with its content type and caching", async () => {
  expect(WEB_ASSETS.map((a) => a.path)).toEqual(expect.arrayContaining(["/index.html", "/manifest.webmanifest", "/sw.js"]));
  for (const asset of WEB_ASSETS) {
    const res = await t.fetch(asset.path);
    expect({ path: asset.path, status: res.status }).toEqual({ path: asset.path, status: 200 });
    expect(Buffer.from(await res.arrayBuffer()).toString("base64")).toBe(asset.bodyBase64);
    expect(res.headers.get("content-type")).toMatch(new RegExp(`^${asset.contentType.split(";")[0]!.replace(/[+.]/g, "\\$&")}`));
    expect(res.headers.get("cache-control")).toBe(asset.immutable ? IMMUTABLE_CACHE : "no-cache");
    expect(asset.immutable).toBe(asset.path.startsWith("/assets/"));
  }
});

test("the shell answers / and app routes such as /pair, as UTF-8 HTML that is never cached", async () => {
  const shell = Buffer.from(WEB_ASSETS.find((a) => a.path === "/index.html")!.bodyBase64, "base64").toString("utf8");
  for (const path of ["/", "/pair", "/pair?x=1", "/chat/agent:main:main"]) {
    const res = await t.fetch(path);
    expect({ path, status: res.status, type: res.headers.get("content-type"), cache: res.headers.get("cache-control") }).toEqual({
      path,
      status: 200,
      type: "text/html; charset=utf-8",
      cache: "no-cache",
    });
    expect(await res.text()).toBe(shell);
  }
});

test("unknown files are 404s, not the shell", async () => {
  for (const path of ["/assets/app-deadbeef.js", "/icons/nope.png", "/favicon.ico", "/api/1.48.0/sync"]) {
    const res = await t.fetch(path);
    expect({ path, status: res.status, type: res.headers.get("content-type") }).toEqual({ path, status: 404, type: "text/plain; charset=utf-8" });
  }
});

test("GET /app-config.json is the deployment's own sync URL, whatever the request says", async () => {
  const res = await t.fetch("/app-config.json?convexUrl=https://evil.example", { headers: { Host: "evil.example", "X-Forwarded-Host": "evil.example" } });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(await res.json()).toEqual({ convexUrl: CLOUD });
});

test("without CONVEX_CLOUD_URL the config says so (503) instead of inventing a URL", async () => {
  setEnv(undefined, SITE);
  const res = await t.fetch("/app-config.json");
  expect(res.status).toBe(503);
  expect(await res.json()).toEqual({ error: expect.stringMatching(/CONVEX_CLOUD_URL/) });
});

test("every response carries the CSP and the security headers; HSTS on https", async () => {
  for (const path of ["/", "/app-config.json", "/assets/missing.js"]) {
    const res = await t.fetch(path);
    expect(res.headers.get("content-security-policy")).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
        `connect-src 'self' ${CLOUD} wss://happy-animal-123.convex.cloud; manifest-src 'self'; worker-src 'self'; ` +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("permissions-policy")).toMatch(/camera=\(\)/);
    expect(res.headers.get("strict-transport-security")).toBe("max-age=31536000");
  }
  setEnv("http://127.0.0.1:3210", "http://127.0.0.1:3211");
  const local = await t.fetch("/");
  expect(local.headers.get("strict-transport-security")).toBeNull();
  expect(local.headers.get("content-security-policy")).toContain("connect-src 'self' http://127.0.0.1:3210 ws://127.0.0.1:3210;");
});

test("HEAD has the GET's headers and no body; a matching ETag gets 304", async () => {
  const get = await t.fetch("/");
  const head = await t.fetch("/", { method: "HEAD" });
  expect(head.status).toBe(200);
  expect(head.headers.get("content-type")).toBe(get.headers.get("content-type"));
  expect(head.headers.get("etag")).toBe(get.headers.get("etag"));
  expect(await head.text()).toBe("");
  const again = await t.fetch("/", { headers: { "If-None-Match": get.headers.get("etag")! } });
  expect(again.status).toBe(304);
  expect(await again.text()).toBe("");
  expect(again.headers.get("content-security-policy")).toContain("default-src 'none'");
});

test("other methods are not routed", async () => {
  expect((await t.fetch("/", { method: "POST", body: "{}" })).status).toBe(404);
});

test("web:info gives the relay the site URL, for its own credential only", async () => {
  const { secret } = await registerInstance(t, "Home");
  expect(await t.query(api.web.info, { relaySecret: secret })).toEqual({ siteUrl: SITE });
  setEnv(CLOUD, undefined);
  expect(await t.query(api.web.info, { relaySecret: secret })).toEqual({ siteUrl: null });
  await expectError(t.query(api.web.info, { relaySecret: "x".repeat(43) }), "UNAUTHORIZED");
});
