/** Serves the embedded web app (WEB_ASSETS) over HTTP actions: content types, caching, SPA fallback, security headers. */
import type { WebAsset } from "./web-assets.generated.js";

/** What the deployment says about itself (CONVEX_CLOUD_URL / CONVEX_SITE_URL in the function environment). */
export interface DeploymentUrls {
  cloudUrl: string | undefined;
  siteUrl: string | undefined;
}

/** Hashed assets never change under their name: a year, and browsers need not revalidate. */
export const IMMUTABLE_CACHE = "public, max-age=31536000, immutable";
/** The shell, sw.js, the manifest, icons: always revalidated (cheap with the ETag), so a redeploy shows at once. */
export const REVALIDATE_CACHE = "no-cache";
/** Config and errors: not stored at all. */
export const NO_STORE = "no-store";

export const APP_CONFIG_PATH = "/app-config.json";
export const SHELL_PATH = "/index.html";
/** Paths under these are files: a miss is a 404, never the shell (a stale page asking for an old hash must fail clearly). */
const FILE_PREFIXES = ["/assets/", "/icons/", "/api/"];

const PERMISSIONS_POLICY = [
  "accelerometer=()",
  "camera=()",
  "geolocation=()",
  "gyroscope=()",
  "magnetometer=()",
  "microphone=()",
  "payment=()",
  "usb=()",
].join(", ");

// Text types are served as UTF-8: without a charset Chromium rendered non-ASCII text as mojibake.
const TEXT_TYPE = /^(text\/|application\/(javascript|json|manifest\+json|xml)|image\/svg\+xml)/;

function withCharset(contentType: string): string {
  return TEXT_TYPE.test(contentType) && !/;\s*charset=/i.test(contentType) ? `${contentType}; charset=utf-8` : contentType;
}

/** The browser-side origins of the deployment's sync API: https + wss in the cloud, http + ws locally. */
export function syncOrigins(cloudUrl: string | undefined): string[] {
  if (cloudUrl === undefined) return [];
  let url: URL;
  try {
    url = new URL(cloudUrl);
  } catch {
    return [];
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return [];
  const socket = new URL(url.origin);
  socket.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return [url.origin, socket.origin];
}

export function contentSecurityPolicy(cloudUrl: string | undefined): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    ["connect-src 'self'", ...syncOrigins(cloudUrl)].join(" "),
    "manifest-src 'self'",
    "worker-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Headers every response of the site carries, whatever its status. */
export function securityHeaders(urls: DeploymentUrls): Record<string, string> {
  const headers: Record<string, string> = {
    "Content-Security-Policy": contentSecurityPolicy(urls.cloudUrl),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
  };
  if (urls.siteUrl?.startsWith("https://")) headers["Strict-Transport-Security"] = "max-age=31536000";
  return headers;
}

interface PreparedAsset {
  contentType: string;
  cacheControl: string;
  etag: string;
  body: Uint8Array<ArrayBuffer>;
}

/** FNV-1a over the base64 text: a stable validator for If-None-Match, cheap and synchronous. */
function etagOf(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `"${hash.toString(16).padStart(8, "0")}-${text.length.toString(16)}"`;
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  // atob, not Buffer: the Convex runtime is not Node.
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export type AssetTable = ReadonlyMap<string, PreparedAsset>;

export function prepareAssets(assets: readonly WebAsset[]): AssetTable {
  const table = new Map<string, PreparedAsset>();
  for (const asset of assets) {
    table.set(asset.path, {
      contentType: withCharset(asset.contentType),
      cacheControl: asset.immutable ? IMMUTABLE_CACHE : REVALIDATE_CACHE,
      etag: etagOf(asset.bodyBase64),
      body: decodeBase64(asset.bodyBase64),
    });
  }
  return table;
}

function respond(method: string, status: number, headers: Record<string, string>, body: Uint8Array<ArrayBuffer> | string | null): Response {
  // A HEAD answer carries the GET's headers and no body.
  return new Response(method === "HEAD" || status === 304 ? null : body, { status, headers });
}

function notFound(method: string, urls: DeploymentUrls): Response {
  return respond(method, 404, { ...securityHeaders(urls), "Content-Type": "text/plain; charset=utf-8", "Cache-Control": NO_STORE }, "Not found\n");
}

/** A missing path that names a file (under an asset folder, or with an extension) is a 404; any other is a page of the app. */
function isFilePath(pathname: string): boolean {
  if (FILE_PREFIXES.some((prefix) => pathname.startsWith(prefix))) return true;
  const last = pathname.slice(pathname.lastIndexOf("/") + 1);
  return last.includes(".");
}

function appConfig(method: string, urls: DeploymentUrls): Response {
  const headers = { ...securityHeaders(urls), "Content-Type": "application/json; charset=utf-8", "Cache-Control": NO_STORE };
  if (urls.cloudUrl === undefined) {
    return respond(method, 503, headers, JSON.stringify({ error: "CONVEX_CLOUD_URL is not set in this deployment" }));
  }
  return respond(method, 200, headers, JSON.stringify({ convexUrl: urls.cloudUrl }));
}

/** Answers one GET/HEAD of the site. */
export function serveWeb(request: Request, assets: AssetTable, urls: DeploymentUrls): Response {
  const method = request.method.toUpperCase();
  const pathname = new URL(request.url).pathname;
  if (pathname === APP_CONFIG_PATH) return appConfig(method, urls);
  let asset = assets.get(pathname === "/" ? SHELL_PATH : pathname);
  if (asset === undefined && !isFilePath(pathname)) asset = assets.get(SHELL_PATH);
  if (asset === undefined) return notFound(method, urls);
  const headers = {
    ...securityHeaders(urls),
    "Content-Type": asset.contentType,
    "Cache-Control": asset.cacheControl,
    ETag: asset.etag,
  };
  const ifNoneMatch = request.headers.get("If-None-Match");
  if (ifNoneMatch !== null && ifNoneMatch.split(",").some((tag) => tag.trim() === asset.etag)) {
    return respond(method, 304, headers, null);
  }
  return respond(method, 200, headers, asset.body);
}
