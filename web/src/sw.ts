/** Service worker: the shell network-first (cached for offline), hashed assets cache-first, nothing else touched. */
/// <reference lib="webworker" />

// A module, so this `self` (the worker scope) shadows the global one instead of redeclaring it.
export {};
declare const self: ServiceWorkerGlobalScope;
/** Filled in by scripts/build-web.mjs: the shell, the hashed assets, manifest and icons of this build. */
declare const __PRECACHE__: readonly string[];
declare const __BUILD__: string;

const CACHE = `fastclaw-${__BUILD__}`;
const SHELL = "/index.html";

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll([...__PRECACHE__]);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

/** Pages: the network's shell when it answers (a redeploy shows at once), the cached one offline. */
async function shell(request: Request): Promise<Response> {
  try {
    const response = await fetch(request);
    if (response.ok) {
      const cache = await caches.open(CACHE);
      await cache.put(SHELL, response.clone());
    }
    return response;
  } catch {
    return (await caches.match(SHELL)) ?? Response.error();
  }
}

/** Files whose name changes with their content: the cache is always right. */
async function cacheFirst(request: Request): Promise<Response> {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await (await caches.open(CACHE)).put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  // The Convex sync socket and API live on another origin; /app-config.json must be fresh.
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") event.respondWith(shell(request));
  else if (url.pathname.startsWith("/assets/") || url.pathname.startsWith("/icons/")) event.respondWith(cacheFirst(request));
  else if (url.pathname === "/manifest.webmanifest") {
    event.respondWith(fetch(request).catch(async () => (await caches.match(request)) ?? Response.error()));
  }
});
