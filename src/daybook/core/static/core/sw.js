// Daybook's service worker: My Day, the log-time form and the files every page loads open
// without a network. Served by core/views.py service_worker at /sw.js, led by a line that
// sets DAYBOOK: {version, pages (kept from the start), kept (all pages ever kept), shell,
// static, logout}.
//
// Network first, always: a page or file comes from the server whenever it answers, and the
// copy kept here is only for when it does not. Only DAYBOOK.kept (My Day, the log-time form,
// the stop form) as whole pages a signed-in member opened (no redirects, no htmx pieces) and
// static files are kept; other pages, the API and everything else go straight to the network. Signing out forgets the kept pages, so the next person on a shared
// computer never sees them; a kept page that now sends elsewhere (to sign in) is forgotten.
/* global DAYBOOK */
"use strict";

const SHELL_CACHE = `daybook-shell-${DAYBOOK.version}`;
// Also opened by timekeeping/offline.js, which keeps the stop form of a running timer here.
const PAGES_CACHE = "daybook-pages";

const OFFLINE_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Offline · Daybook</title>
</head><body><main><h1>You're offline</h1>
<p>This page isn't kept on this device. My Day and the log-time form are: open them to keep
logging time, and what you save is sent when the network is back.</p>
<p><a href="${DAYBOOK.pages[0]}">Open My Day</a></p></main></body></html>`;

async function keep(cacheName, urls) {
  const cache = await caches.open(cacheName);
  // One file missing must not stop the worker from installing.
  await Promise.allSettled(
    urls.map(async (url) => {
      const response = await fetch(url, { credentials: "same-origin" });
      if (response.ok && !response.redirected) await cache.put(url, response);
    }),
  );
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    Promise.all([keep(SHELL_CACHE, DAYBOOK.shell), keep(PAGES_CACHE, DAYBOOK.pages)]).then(() =>
      self.skipWaiting(),
    ),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith("daybook-shell-") && name !== SHELL_CACHE)
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

const KEPT = new Set(DAYBOOK.kept);

async function page(request) {
  // One copy per page, whatever its address asks (a gap's times, a ticket): offline.js fills
  // the kept form from the address.
  const address = new URL(request.url);
  address.search = "";
  const kept = KEPT.has(address.pathname);
  try {
    const response = await fetch(request);
    if (kept) {
      const cache = await caches.open(PAGES_CACHE);
      if (response.type === "opaqueredirect" || response.redirected) {
        // Sent elsewhere (to sign in, or to My Day when no timer runs): the copy is stale.
        await cache.delete(address.href);
      } else if (response.ok && response.type === "basic" && !request.url.includes("?")) {
        await cache.put(address.href, response.clone());
      }
    }
    return response;
  } catch (error) {
    const copy = kept && (await (await caches.open(PAGES_CACHE)).match(address.href));
    return (
      copy ||
      new Response(OFFLINE_PAGE, {
        status: 503,
        headers: { "Content-Type": "text/html; charset=utf-8" },
      })
    );
  }
}

async function file(request) {
  try {
    const response = await fetch(request);
    if (response.ok) {
      const cache = await caches.open(SHELL_CACHE);
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const kept = await caches.match(request, { ignoreSearch: true });
    if (kept) return kept;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && request.method === "POST" && url.pathname === DAYBOOK.logout) {
    event.waitUntil(caches.delete(PAGES_CACHE));
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (url.pathname.startsWith(DAYBOOK.static)) {
    event.respondWith(file(request));
  }
});
