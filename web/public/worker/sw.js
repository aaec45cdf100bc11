// The worker app's service worker: it keeps the app shell and its hashed
// assets so that the app starts without a network. It never answers API
// requests: those are the sync queue's, and must reach the server or fail.
const CACHE = 'gridgov-worker-v1'
const SHELL = '/worker/'

// The shell names the hashed assets it loads; keep them with it.
async function keepShell() {
  const cache = await caches.open(CACHE)
  const res = await fetch(SHELL, { cache: 'no-cache' })
  if (!res.ok) return
  const html = await res.clone().text()
  await cache.put(SHELL, res)
  const assets = [...html.matchAll(/(?:src|href)="(\/(?:assets|worker)\/[^"]+)"/g)].map((m) => m[1])
  await Promise.all(
    assets.map(async (url) => {
      const r = await fetch(url)
      if (r.ok) await cache.put(url, r)
    }),
  )
}

self.addEventListener('install', (event) => {
  event.waitUntil(keepShell().then(() => self.skipWaiting()))
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  )
})

self.addEventListener('fetch', (event) => {
  const req = event.request
  const url = new URL(req.url)
  if (req.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return
  if (req.mode === 'navigate' && url.pathname.startsWith('/worker')) {
    // The newest shell when online, the kept one when not.
    event.respondWith(
      fetch(req)
        .then(async (res) => {
          if (res.ok) {
            const copy = res.clone()
            caches.open(CACHE).then((c) => c.put(SHELL, copy))
            void keepAssets(res.clone())
          }
          return res
        })
        .catch(async () => (await caches.match(SHELL)) || Response.error()),
    )
    return
  }
  if (url.pathname.startsWith('/assets/') || url.pathname.startsWith('/worker/')) {
    // Hashed assets never change under their name: the kept copy first.
    event.respondWith(
      caches.match(req).then(
        (hit) =>
          hit ||
          fetch(req).then((res) => {
            if (res.ok) {
              const copy = res.clone()
              caches.open(CACHE).then((c) => c.put(req, copy))
            }
            return res
          }),
      ),
    )
  }
})

// After a new build the shell names new assets: fetch them while online.
async function keepAssets(res) {
  const html = await res.text()
  const cache = await caches.open(CACHE)
  for (const m of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) {
    if (!(await cache.match(m[1]))) {
      const r = await fetch(m[1]).catch(() => undefined)
      if (r && r.ok) await cache.put(m[1], r)
    }
  }
}
