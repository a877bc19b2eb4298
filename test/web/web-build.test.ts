/** The web build: the committed bundle is current, small, and holds no way to inject HTML or inline code. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { WEB_ASSETS } from "../../convex/lib/web-assets.generated.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const build = (args: string[]) => spawnSync(process.execPath, [path.join(root, "scripts/build-web.mjs"), ...args], { cwd: root, encoding: "utf8" });
const asset = (test: (p: string) => boolean) => WEB_ASSETS.filter((a) => test(a.path));
const text = (bodyBase64: string) => Buffer.from(bodyBase64, "base64").toString("utf8");

test("the committed convex/lib/web-assets.generated.ts matches a fresh build, and a stale one is caught", () => {
  const fresh = build(["--check"]);
  expect(fresh.stderr).toBe("");
  expect(fresh.status).toBe(0);
  const dir = mkdtempSync(path.join(os.tmpdir(), "fastclaw-web-build-"));
  try {
    const stale = path.join(dir, "stale.ts");
    writeFileSync(stale, readFileSync(path.join(root, "convex/lib/web-assets.generated.ts"), "utf8").replace("/index.html", "/index2.html"));
    const result = build(["--check", "--out", stale]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/stale: run `npm run build:web`/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

test("every file the contract names is there, hashed assets by content hash and immutable", () => {
  const paths = WEB_ASSETS.map((a) => a.path);
  expect(paths).toEqual(expect.arrayContaining(["/index.html", "/manifest.webmanifest", "/sw.js", "/icons/icon-192.png", "/icons/icon-512.png", "/icons/maskable-512.png"]));
  for (const a of WEB_ASSETS) expect(a.immutable).toBe(a.path.startsWith("/assets/"));
  expect(asset((p) => /^\/assets\/app-[0-9a-f]{10}\.js$/.test(p))).toHaveLength(1);
  expect(asset((p) => /^\/assets\/app-[0-9a-f]{10}\.css$/.test(p))).toHaveLength(1);
  const manifest = JSON.parse(text(asset((p) => p === "/manifest.webmanifest")[0]!.bodyBase64)) as { icons: { src: string; purpose: string; sizes: string }[] };
  expect(manifest.icons.map((i) => `${i.sizes} ${i.purpose}`)).toEqual(["192x192 any", "512x512 any", "512x512 maskable"]);
  for (const icon of manifest.icons) {
    const png = Buffer.from(asset((p) => p === icon.src)[0]!.bodyBase64, "base64");
    expect(png.subarray(1, 4).toString("ascii")).toBe("PNG");
    expect(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`).toBe(icon.sizes);
  }
});

test("JavaScript transferred gzipped stays under 150 KB", () => {
  const js = asset((p) => p.endsWith(".js")).map((a) => gzipSync(Buffer.from(a.bodyBase64, "base64"), { level: 9 }).length);
  expect(js.reduce((a, b) => a + b, 0)).toBeLessThan(150 * 1024);
});

test("the shell has no inline script or style (CSP: script-src 'self'; style-src 'self')", () => {
  const html = text(asset((p) => p === "/index.html")[0]!.bodyBase64);
  expect(html).not.toMatch(/<style/i);
  expect(html).not.toMatch(/\sstyle=/i);
  expect(html).not.toMatch(/\son[a-z]+=/i);
  for (const script of html.match(/<script[^>]*>[\s\S]*?<\/script>/gi) ?? []) expect(script).toMatch(/^<script[^>]*\ssrc="\/assets\/[^"]+"[^>]*><\/script>$/);
});

/** Every file of web/src, recursively. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

test("the app's code never builds HTML from strings, evaluates code, or sets style attributes", () => {
  const banned = /innerHTML|outerHTML|insertAdjacentHTML|dangerouslySetInnerHTML|document\.write|\beval\(|new Function|setAttribute\(\s*["']style|style=/;
  const offenders = sources(path.join(root, "web/src")).filter((file) => banned.test(readFileSync(file, "utf8")));
  expect(offenders).toEqual([]);
  // The bundle: whatever of these it holds comes from preact's own renderer, not from the app.
  const bundle = text(asset((p) => p.endsWith(".js") && p.startsWith("/assets/"))[0]!.bodyBase64);
  const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;
  const preact = ["preact/dist/preact.mjs", "preact/hooks/dist/hooks.mjs", "preact/jsx-runtime/dist/jsxRuntime.mjs"]
    .map((file) => readFileSync(path.join(root, "node_modules", file), "utf8"))
    .join("\n");
  for (const needle of ["innerHTML", "dangerouslySetInnerHTML", "insertAdjacentHTML", "document.write"]) {
    expect(count(bundle, needle)).toBeLessThanOrEqual(count(preact, needle));
  }
});
