/**
 * Issue 12 item 7 over plain HTTP: the local Convex server run as a person runs it (`dist/…/main.js`; `npm run build`
 * first), its site port serving the built web app with the CSP, content types, caching, SPA fallback and app config.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { WebAsset } from "../../convex/lib/web-assets.generated.js";
import { spawnLocalConvex, type LocalConvexProcess } from "../../dev/devkit/local-convex-process.js";

let convex: LocalConvexProcess;
/** The assets of the build the process runs (dist/convex), which may differ from convex/ until the next build. */
let WEB_ASSETS: readonly WebAsset[];
beforeAll(async () => {
  const built = pathToFileURL(path.resolve("dist/convex/lib/web-assets.generated.js")).href;
  ({ WEB_ASSETS } = (await import(built)) as { WEB_ASSETS: readonly WebAsset[] });
  convex = await spawnLocalConvex();
}, 60_000);
afterAll(async () => {
  await convex?.stop();
});

const CSP = (cloud: string) =>
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
  `connect-src 'self' ${cloud} ${cloud.replace(/^http/, "ws")}; manifest-src 'self'; worker-src 'self'; ` +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function expectSecurityHeaders(res: Response): void {
  expect(res.headers.get("content-security-policy")).toBe(CSP(convex.url));
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("referrer-policy")).toBe("no-referrer");
  expect(res.headers.get("x-frame-options")).toBe("DENY");
  expect(res.headers.get("permissions-policy")).toBeTruthy();
  // http on loopback: no HSTS (a browser would pin it for every localhost port).
  expect(res.headers.get("strict-transport-security")).toBeNull();
}

test("the site URL is printed and differs from the sync URL", () => {
  expect(convex.siteUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(convex.siteUrl).not.toBe(convex.url);
});

test("every built asset: its content type (UTF-8 for text), immutable caching for hashed files, revalidation for the rest", async () => {
  for (const asset of WEB_ASSETS) {
    const res = await fetch(`${convex.siteUrl}${asset.path}`);
    expect({ path: asset.path, status: res.status }).toEqual({ path: asset.path, status: 200 });
    const type = res.headers.get("content-type") ?? "";
    expect(type.split(";")[0]).toBe(asset.contentType.split(";")[0]);
    if (/^(text\/|application\/(javascript|json|manifest\+json))/.test(type)) expect(type).toMatch(/; charset=utf-8$/);
    expect(res.headers.get("cache-control")).toBe(asset.immutable ? "public, max-age=31536000, immutable" : "no-cache");
    expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.from(asset.bodyBase64, "base64"));
    expectSecurityHeaders(res);
  }
  for (const path of ["/index.html", "/sw.js", "/manifest.webmanifest"]) {
    expect({ path, immutable: WEB_ASSETS.find((a) => a.path === path)?.immutable }).toEqual({ path, immutable: false });
  }
});

test("SPA fallback: /, /pair and other app routes get the shell; missing files get 404", async () => {
  const shell = Buffer.from(WEB_ASSETS.find((a) => a.path === "/index.html")!.bodyBase64, "base64").toString("utf8");
  for (const path of ["/", "/pair", "/sessions/agent%3Amain%3Amain"]) {
    const res = await fetch(`${convex.siteUrl}${path}`);
    expect({ path, status: res.status, type: res.headers.get("content-type"), cache: res.headers.get("cache-control") }).toEqual({
      path,
      status: 200,
      type: "text/html; charset=utf-8",
      cache: "no-cache",
    });
    expect(await res.text()).toBe(shell);
    expectSecurityHeaders(res);
  }
  for (const path of ["/assets/app-ffffffff.js", "/icons/missing.png", "/robots.txt"]) {
    const res = await fetch(`${convex.siteUrl}${path}`);
    expect({ path, status: res.status }).toEqual({ path, status: 404 });
    expectSecurityHeaders(res);
  }
});

test("/app-config.json names the server's own sync URL, uncached; HEAD answers headers only", async () => {
  const res = await fetch(`${convex.siteUrl}/app-config.json`);
  expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(await res.json()).toEqual({ convexUrl: convex.url });
  expectSecurityHeaders(res);
  const head = await fetch(`${convex.siteUrl}/pair`, { method: "HEAD" });
  expect(head.status).toBe(200);
  expect(head.headers.get("content-type")).toBe("text/html; charset=utf-8");
  expect(await head.text()).toBe("");
});

test("the process's control port refuses requests without its token (the devkit's own calls carry it)", async () => {
  expect((await fetch(`${convex.controlUrl}/offline`, { method: "POST" })).status).toBe(401);
  expect((await fetch(`${convex.siteUrl}/`)).status).toBe(200);
  await convex.goOffline();
  await expect(fetch(`${convex.siteUrl}/`)).rejects.toThrow();
  await convex.goOnline();
  expect((await fetch(`${convex.siteUrl}/`)).status).toBe(200);
  expect((await convex.stats()).connections).toBeDefined();
});
