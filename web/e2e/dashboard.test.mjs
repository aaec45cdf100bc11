// The big screen (指挥大屏) against a real server holding the demo city: it
// opens at 1920×1080, drills through the region tree from the city down to a
// grid, and when an event in that grid is reported and then closed through
// the API (by the center and the grid's worker), the figures on the screen
// change without a reload, pushed by the change stream. A screenshot at
// 1920×1080 must show the dark stage with its figures, charts and map.
// Left running, the screen must not grow: drilled down and back up many
// times while changes stream in, the objects, closures, arrays and strings
// of its JavaScript heap (from a heap snapshot: compiled code and the
// browser's own timing and network buffers grow for a while and are left
// out), its DOM and its canvases stay as they were after the first rounds.
import assert from 'node:assert/strict'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { ADMIN, launchBrowser, startServer } from './harness.mjs'

const TEST_TIMEOUT_MS = 180_000
/** How long a figure may take to follow a change here (the goal is 2 s; the machine may be busy). */
const LIVE_TIMEOUT_MS = 15_000
const WORKER = Object.freeze({ username: 'e2e-grid-worker', password: 'Grid-Worker-2026!' })

/** Signs in over HTTP; returns a fetch bound to the session. */
async function apiSession(baseURL, { username, password }) {
  const login = await fetch(`${baseURL}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: baseURL },
    body: JSON.stringify({ username, password }),
  })
  assert.equal(login.status, 200, `signing in as ${username} answered ${login.status}`)
  const { csrf_token: csrf } = await login.json()
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
  return (path, init = {}) =>
    fetch(`${baseURL}${path}`, {
      ...init,
      headers: { Cookie: cookie, Origin: baseURL, 'X-CSRF-Token': csrf, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
    })
}

async function json(response, what) {
  const text = await response.text()
  assert.ok(response.ok, `${what} answered ${response.status}: ${text}`)
  return text ? JSON.parse(text) : undefined
}

/** Takes one action on an event as the given session; returns the event after it. */
async function act(session, event, action, extra = {}) {
  const response = await session(`/api/v1/events/${event.id}/actions`, {
    method: 'POST',
    body: JSON.stringify({ action, version: event.version, ...extra }),
  })
  return json(response, `${action} on event ${event.id}`)
}

/** A figure on the screen as a number ("1,234" → 1234). */
async function figure(page, testid) {
  const text = (await page.getByTestId(testid).textContent()).trim()
  const n = Number(text.replace(/,/g, ''))
  assert.ok(Number.isFinite(n), `${testid} shows ${JSON.stringify(text)}, not a number`)
  return n
}

/** Waits until a figure shows a value; resolves with how long it took. */
async function figureBecomes(page, testid, want) {
  const started = Date.now()
  let seen
  while (Date.now() - started < LIVE_TIMEOUT_MS) {
    seen = await figure(page, testid)
    if (seen === want) return Date.now() - started
    await sleep(100)
  }
  assert.fail(`${testid} still shows ${seen} after ${LIVE_TIMEOUT_MS / 1000}s; wanted ${want}`)
}

/** The number of distinct colours in a PNG, counted by the browser that took it. */
function distinctColours(page, png) {
  return page.evaluate(async (b64) => {
    const img = new Image()
    img.src = `data:image/png;base64,${b64}`
    await img.decode()
    const canvas = document.createElement('canvas')
    canvas.width = img.width
    canvas.height = img.height
    const ctx = canvas.getContext('2d')
    ctx.drawImage(img, 0, 0)
    const data = ctx.getImageData(0, 0, img.width, img.height).data
    const seen = new Set()
    for (let i = 0; i < data.length; i += 4) seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2])
    return { colours: seen.size, width: img.width, height: img.height }
  }, png.toString('base64'))
}

/** A 1920×1080 page of its own context, and the page errors (and CSP refusals) it meets. */
async function screenPage(browser, baseURL) {
  const context = await browser.newContext({ baseURL, locale: 'zh-CN', viewport: { width: 1920, height: 1080 } })
  const page = await context.newPage()
  page.setDefaultTimeout(20_000)
  const errors = []
  page.on('pageerror', (err) => errors.push(err.message))
  page.on('console', (msg) => {
    if (msg.text().includes('Content Security Policy')) errors.push(msg.text())
  })
  return { context, page, errors }
}

/** Opens the big screen, signing in on the way as the admin. */
async function signInToScreen(page) {
  await page.goto('/screen')
  await page.getByTestId('login-page').waitFor()
  await page.getByTestId('login-username').fill(ADMIN.username)
  await page.getByTestId('login-password').fill(ADMIN.password)
  await page.getByTestId('login-submit').click()
  await page.getByTestId('screen').waitFor()
}

/** The bytes a V8 heap snapshot gives to JavaScript's own values: objects, closures, arrays, strings, numbers. */
function jsOwnedBytes(snapshot) {
  const { node_fields: fields, node_types: [types] } = snapshot.snapshot.meta
  const width = fields.length
  const typeAt = fields.indexOf('type')
  const sizeAt = fields.indexOf('self_size')
  const counted = new Set(['object', 'closure', 'array', 'string', 'concatenated string', 'sliced string', 'regexp', 'number', 'bigint'])
  let bytes = 0
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    if (counted.has(types[snapshot.nodes[i + typeAt]])) bytes += snapshot.nodes[i + sizeAt]
  }
  return bytes
}

describe('big screen', { timeout: 2 * TEST_TIMEOUT_MS }, () => {
  let server
  let browser
  let admin
  let chain
  let grid

  before(async () => {
    server = await startServer({ demo: 'small' })
    admin = await apiSession(server.baseURL, ADMIN)
    const probe = await admin('/api/v1/dashboard/events')
    await probe.arrayBuffer()
    if (probe.status === 404) {
      throw new Error(
        'the gridgov binary at GRIDGOV_BIN has no dashboard API: GET /api/v1/dashboard/events answered 404. ' +
          'Build it from a tree with the dashboard routes (after `npm run build`).',
      )
    }
    assert.equal(probe.status, 200, `GET /api/v1/dashboard/events answered ${probe.status}`)

    const found = await json(await admin(`/api/v1/regions/search?q=${encodeURIComponent('网格')}`), 'searching the demo grids')
    const someGrid = found.items.find((r) => r.level === 'grid' && r.parent_code)
    assert.ok(someGrid, 'no grid in the demo city')
    const detail = await json(await admin(`/api/v1/regions/${someGrid.code}`), `region ${someGrid.code}`)
    chain = detail.chain
    assert.deepEqual(
      chain.map((r) => r.level),
      ['city', 'county', 'township', 'village', 'grid'],
      `the chain of ${someGrid.code}`,
    )
    grid = chain.at(-1)

    // The grid's worker, who feeds back on an event the grid handles itself.
    await json(
      await admin('/api/v1/users', {
        method: 'POST',
        body: JSON.stringify({
          username: WORKER.username,
          display_name: '测试网格员',
          role: 'worker',
          scope: grid.code,
          password: WORKER.password,
          must_change_password: false,
        }),
      }),
      'creating the grid worker',
    )
    browser = await launchBrowser()
  })

  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  test(
    'drills from the city to a grid and shows an event reported and closed there without a reload',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const { context, page, errors } = await screenPage(browser, server.baseURL)
      let navigations = 0
      page.on('framenavigated', (f) => {
        if (f === page.mainFrame()) navigations++
      })

      try {
        // Signing in on the way to the screen brings one back to it.
        await signInToScreen(page)
        assert.equal(new URL(page.url()).pathname, '/screen')
        await page.getByTestId('screen-region').getByText(chain[0].name, { exact: true }).waitFor()
        await page.getByTestId('screen-live').getByText('实时').waitFor()
        await page.locator('[data-testid="dashboard-map"] canvas').first().waitFor()

        // Down the tree, one level at a time: each click shows that region.
        await page.getByTestId('screen-tree-open').click()
        const tree = page.getByTestId('screen-tree')
        for (const region of chain) {
          const shown = page.waitForResponse(
            (r) => r.url().includes(`/api/v1/dashboard/events?region=${region.code}`) && r.status() === 200,
          )
          await tree.getByTestId(`region-node-${region.code}`).click()
          await shown
          await page.getByTestId('screen-region').getByText(region.name, { exact: true }).waitFor()
          assert.equal(new URL(page.url()).searchParams.get('region'), region.code)
        }
        await page.keyboard.press('Escape')
        await tree.waitFor({ state: 'hidden' })
        const crumbs = (await page.getByTestId('screen-path').textContent()).replace(/\s+/g, '')
        assert.equal(crumbs, chain.map((r) => r.name).join('›'))

        // A figure changes without a reload once an event is reported in the grid, and again once it is closed.
        await page.evaluate(() => {
          window.__screenStayed = true
        })
        const navigationsBefore = navigations
        const reported = await figure(page, 'screen-events-reported-value')
        const closed = await figure(page, 'screen-events-closed-value')

        const filed = await json(
          await admin('/api/v1/events', {
            method: 'POST',
            body: JSON.stringify({
              source: 'hotline',
              category_code: 'city_appearance.exposed_garbage',
              title: '大屏测试：垃圾堆积',
              grid_code: grid.code,
            }),
          }),
          'reporting an event',
        )
        let event = filed.event
        assert.equal(event.grid_code, grid.code)
        const reportLag = await figureBecomes(page, 'screen-events-reported-value', reported + 1)

        const worker = await apiSession(server.baseURL, WORKER)
        event = await act(admin, event, 'register', { note: '符合立案标准' })
        event = await act(admin, event, 'self_handle')
        event = await act(worker, event, 'feedback', { note: '已清运' })
        event = await act(admin, event, 'verify')
        assert.equal(event.state, 'closed')
        const closeLag = await figureBecomes(page, 'screen-events-closed-value', closed + 1)
        t.diagnostic(`figure followed the report in ${reportLag} ms and the closing in ${closeLag} ms`)

        assert.equal(await page.evaluate(() => window.__screenStayed), true, 'the screen was reloaded')
        assert.equal(navigations, navigationsBefore, 'the screen navigated')

        // The whole stage at 1920×1080: dark, with its figures, charts and map.
        for (const id of [
          'screen-people-persons-value',
          'screen-events-reported-value',
          'screen-events-closure-value',
          'screen-operations-workers-value',
          'screen-clock',
        ]) {
          assert.ok(await page.getByTestId(id).isVisible(), `${id} is not visible`)
        }
        await page.locator('[data-testid="screen-chart-days"] canvas').first().waitFor()
        const png = await page.screenshot()
        const dir = await mkdtemp(join(tmpdir(), 'gridgov-e2e-screen-'))
        const file = join(dir, 'screen-1920x1080.png')
        await writeFile(file, png)
        t.diagnostic(`screenshot: ${file}`)
        const { colours, width, height } = await distinctColours(page, png)
        assert.deepEqual([width, height], [1920, 1080])
        assert.ok(colours > 300, `the screenshot has only ${colours} distinct colours`)

        assert.deepEqual(errors, [])
      } finally {
        await context.close()
      }
    },
  )

  test(
    'stays flat in memory while it drills down and back and follows changes, round after round',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const { context, page, errors } = await screenPage(browser, server.baseURL)
      try {
        await signInToScreen(page)
        // The map held on the people panel: its children's order, and so the
        // regions each round visits, stay the same while events come in.
        await page.goto('/screen?panel=people')
        await page.getByTestId('screen-live').getByText('实时').waitFor()
        await page.locator('[data-testid="dashboard-map"] canvas').first().waitFor()

        const cdp = await context.newCDPSession(page)
        /** The page's JS-owned heap (a snapshot is taken after a collection), its elements and its canvases. */
        const measure = async () => {
          await cdp.send('HeapProfiler.collectGarbage')
          const chunks = []
          const onChunk = (e) => chunks.push(e.chunk)
          cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk)
          await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false })
          cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk)
          const dom = await page.evaluate(() => ({
            elements: document.getElementsByTagName('*').length,
            canvases: document.getElementsByTagName('canvas').length,
          }))
          return { heap: jsOwnedBytes(JSON.parse(chunks.join(''))), ...dom }
        }
        const city = chain[0]
        /** Down the first child shown at each level to a grid, an event reported there, and back to the city. */
        const round = async (i) => {
          for (let level = 1; level < chain.length; level++) {
            const link = page.getByTestId('screen-children').locator('a').first()
            const code = (await link.getAttribute('data-testid')).slice('screen-child-'.length)
            const shown = page.waitForResponse(
              (r) => r.url().includes(`/api/v1/dashboard/events?region=${code}`) && r.status() === 200,
            )
            await link.click()
            await shown
          }
          await json(
            await admin('/api/v1/events', {
              method: 'POST',
              body: JSON.stringify({
                source: 'hotline',
                category_code: 'city_appearance.exposed_garbage',
                title: `大屏长时运行测试 ${i}`,
                grid_code: grid.code,
              }),
            }),
            'reporting an event',
          )
          const back = page.waitForResponse(
            (r) => r.url().includes(`/api/v1/dashboard/events?region=${city.code}`) && r.status() === 200,
          )
          await page.getByTestId(`screen-crumb-${city.code}`).click()
          await back
          await page.getByTestId('screen-region').getByText(city.name, { exact: true }).waitFor()
        }

        const WARM_ROUNDS = 5
        const ROUNDS = 30
        for (let i = 0; i < WARM_ROUNDS; i++) await round(i)
        await sleep(1500) // the last change's refetch settles
        const warm = await measure()
        for (let i = WARM_ROUNDS; i < WARM_ROUNDS + ROUNDS; i++) await round(i)
        await sleep(1500)
        const end = await measure()
        const mib = (n) => (n / 2 ** 20).toFixed(2)
        t.diagnostic(
          `after ${WARM_ROUNDS} rounds: heap ${mib(warm.heap)} MiB, ${warm.elements} elements, ${warm.canvases} canvases; ` +
            `after ${ROUNDS} more (${ROUNDS * chain.length} region switches, ${ROUNDS} events): ` +
            `heap ${mib(end.heap)} MiB, ${end.elements} elements, ${end.canvases} canvases`,
        )
        // A chart or map not disposed, a listener or a figure kept per switch,
        // leaks far more than this over 150 switches.
        const grown = end.heap - warm.heap
        assert.ok(grown < 256 * 1024, `the JS heap grew by ${mib(grown)} MiB over ${ROUNDS} rounds`)
        assert.ok(Math.abs(end.elements - warm.elements) <= 20, `elements ${warm.elements} → ${end.elements}`)
        assert.ok(end.canvases <= warm.canvases + 1, `canvases ${warm.canvases} → ${end.canvases}`)
        assert.deepEqual(errors, [])
      } finally {
        await context.close()
      }
    },
  )
})
