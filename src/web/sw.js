// atcert's service worker: keeps the app's own files so the page loads and provisions with
// the network off after one online visit. It never takes over by itself: a new version
// waits until the page asks for it (the user clicked "Reload" on its prompt).
//
// The dev script's post_build hook stamps VERSION and FILES from the build (hashed names).
"use strict";

const VERSION = "@ATCERT_VERSION@";
const FILES = ["@ATCERT_FILES@"];
const PREFIX = "atcert-";
const SHELL = PREFIX + VERSION;
// The host's files (atcert.json and the CA files and logo it names) change without a new
// build: fetched from the network first, the last copy kept for offline use.
const SITE = PREFIX + "site";

const scope = new URL(self.registration.scope);
const shellUrls = new Set(FILES.map((f) => new URL(f, scope).href));
const indexUrl = new URL("index.html", scope).href;

self.addEventListener("install", (event) => {
  // cache: "reload" skips the HTTP cache, so a stale index.html can never be mixed with
  // new hashed files.
  event.waitUntil(
    caches.open(SHELL).then((cache) =>
      cache.addAll([...shellUrls].map((url) => new Request(url, { cache: "reload" }))),
    ),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys
            .filter((k) => k.startsWith(PREFIX) && k !== SHELL && k !== SITE)
            .map((k) => caches.delete(k)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "atcert-activate") {
    self.skipWaiting();
  } else if (event.data && event.data.type === "atcert-keep" && Array.isArray(event.data.paths)) {
    // The page names the host's files it read before this worker controlled it (the
    // first visit): atcert.json and the CA files and logo it names.
    event.waitUntil(keep(event.data.paths));
  }
});

async function keep(paths) {
  const cache = await caches.open(SITE);
  await Promise.all(
    paths.map(async (path) => {
      const url = new URL(String(path), scope);
      if (!inScope(url)) return;
      try {
        const response = await fetch(url, { cache: "no-cache" });
        if (response.ok || response.status === 404) await cache.put(url, response);
      } catch (error) {
        // Offline now: the copy kept earlier stays.
      }
    }),
  );
}

function inScope(url) {
  return url.origin === scope.origin && url.pathname.startsWith(scope.pathname);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  // Only the app's own files: anything outside its origin and folder is left alone.
  if (!inScope(url)) return;
  url.hash = "";
  if (request.mode === "navigate") {
    event.respondWith(fromShell(indexUrl).then((r) => r || fetch(request)));
    return;
  }
  url.search = "";
  if (shellUrls.has(url.href)) {
    event.respondWith(fromShell(url.href).then((r) => r || fetch(request)));
    return;
  }
  event.respondWith(networkFirst(request));
});

async function fromShell(url) {
  const cache = await caches.open(SHELL);
  return cache.match(url);
}

async function networkFirst(request) {
  const cache = await caches.open(SITE);
  try {
    const response = await fetch(request, { cache: "no-cache" });
    // A 404 is kept too: "no profile" offline must look the same as online.
    if (response.ok || response.status === 404) {
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const kept = await cache.match(request);
    if (kept) return kept;
    throw error;
  }
}
