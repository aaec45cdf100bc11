// The grid map page against a real server holding the demo city.
import assert from 'node:assert/strict'
import { mkdtemp, readFile, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { ADMIN, launchBrowser, startServer } from './harness.mjs'

const TEST_TIMEOUT_MS = 90_000
const MVT = 'application/vnd.mapbox-vector-tile'

/** Endpoints the page cannot work without; each answers 404 only when it does not exist. */
const MAP_API = [
  '/api/v1/map/config',
  '/api/v1/map/tiles/0/0/0.mvt?layers=county',
  '/api/v1/regions/search?q=990100',
  '/api/v1/locate?lng=125&lat=46',
]

/** Signs in over HTTP and names the map endpoints that answer 404. */
async function missingMapApi(baseURL) {
  const login = await fetch(`${baseURL}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: baseURL },
    body: JSON.stringify({ username: ADMIN.username, password: ADMIN.password }),
  })
  assert.equal(login.status, 200, `signing in as ${ADMIN.username} answered ${login.status}`)
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
  const missing = []
  for (const path of MAP_API) {
    const response = await fetch(`${baseURL}${path}`, { headers: { Cookie: cookie } })
    if (response.status === 404) missing.push(`GET ${path}`)
    await response.arrayBuffer()
  }
  return missing
}

describe('grid map', { timeout: 6 * TEST_TIMEOUT_MS }, () => {
  let server
  let browser

  before(async () => {
    server = await startServer({ demo: 'small' })
    const missing = await missingMapApi(server.baseURL)
    if (missing.length) {
      throw new Error(
        `the gridgov binary at GRIDGOV_BIN has no grid map API: ${missing.join(', ')} answered 404. ` +
          'Build it from a tree that has internal/gridmap and its routes in internal/httpapi ' +
          '(after `npm run build`), then run the browser tests again.',
      )
    }
    browser = await launchBrowser()
  })

  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  const pageErrors = new WeakMap()
  // Tile requests seen by each page; the browser's resource-timing buffer is
  // too small to be relied on once the console's own assets have loaded.
  const tileRequests = new WeakMap()

  /** A signed-in browser session on the grid map page. */
  async function openMap() {
    const context = await browser.newContext({ baseURL: server.baseURL, locale: 'zh-CN', viewport: { width: 1440, height: 900 } })
    const page = await context.newPage()
    page.setDefaultTimeout(20_000)
    const errors = []
    pageErrors.set(page, errors)
    page.on('pageerror', (err) => errors.push(err.message))
    const tiles = []
    tileRequests.set(page, tiles)
    page.on('request', (r) => {
      if (r.url().includes('/api/v1/map/tiles/')) tiles.push(r.url())
    })
    page.on('console', (msg) => {
      if (msg.text().includes('Content Security Policy')) errors.push(msg.text())
    })
    await page.goto('/')
    await page.getByTestId('login-username').fill(ADMIN.username)
    await page.getByTestId('login-password').fill(ADMIN.password)
    await page.getByTestId('login-submit').click()
    await page.getByTestId('app-layout').waitFor()

    const tile = page.waitForResponse(
      (r) => r.url().includes('/api/v1/map/tiles/') && r.status() === 200 && (r.headers()['content-type'] ?? '') === MVT,
    )
    const nav = page.getByTestId('nav-map')
    assert.equal((await nav.textContent()).trim(), '网格地图')
    await nav.click()
    await page.getByTestId('map-page').waitFor()
    assert.equal(new URL(page.url()).pathname, '/map')
    await page.locator('[data-testid="grid-map"] canvas').first().waitFor()
    await tile
    return page
  }

  async function close(page) {
    await page.context().close()
    assert.deepEqual(pageErrors.get(page), [], 'errors in the page')
  }

  /** Clicks the first tree node of a level, which opens it, and waits for it to be marked. */
  async function openFirst(page, level) {
    const node = page.locator(`[data-testid^="region-node-"][data-level="${level}"]`).first()
    await node.waitFor()
    const name = (await node.locator('.name').textContent()).trim()
    await node.click()
    return name
  }

  test('draws the map from vector tiles without a base map', { timeout: TEST_TIMEOUT_MS }, async () => {
    const page = await openMap()
    try {
      const tiles = tileRequests.get(page)
      assert.ok(tiles.length > 0, 'no tile was requested')
      for (const url of tiles) {
        const [z] = new URL(url).pathname.split('/').slice(-3)
        const layers = new URL(url).searchParams.get('layers')
        const minZoom = { county: 0, township: 8, village: 10, grid: 11, exclusive: 11, police: 11, mediation: 11, stations: 12 }
        assert.ok(Number(z) >= minZoom[layers], `asked for ${layers} at zoom ${z}: ${url}`)
      }
      // Eight layer switches, with the overlay networks off at first.
      assert.equal(await page.locator('[data-testid^="layer-"] input[type="checkbox"]').count(), 8)
      assert.equal(await page.getByTestId('layer-police').locator('input').isChecked(), false)
      assert.equal(await page.getByTestId('layer-county').locator('input').isChecked(), true)
    } finally {
      await close(page)
    }
  })

  test('opens the region tree down to a grid and shows its details', { timeout: TEST_TIMEOUT_MS }, async () => {
    const page = await openMap()
    try {
      await openFirst(page, 'city')
      await openFirst(page, 'county')
      await openFirst(page, 'township')
      await openFirst(page, 'village')
      const grid = await openFirst(page, 'grid')

      const details = page.getByTestId('region-details')
      await details.getByTestId('region-details-name').getByText(grid).waitFor()
      const chain = details.getByTestId('region-chain')
      assert.equal(await chain.locator('button').count(), 5)
      for (const level of ['city', 'county', 'township', 'village', 'grid']) {
        assert.equal(await chain.getByTestId(`chain-${level}`).count(), 1, `no ${level} in the chain`)
      }
      assert.equal((await chain.getByTestId('chain-grid').textContent()).trim(), grid)
      assert.match(await details.getByTestId('region-details-kind').textContent(), /综合网格|专属网格/)
      assert.match(await details.getByTestId('region-details-area').textContent(), /^[\d,]+ m²$/)
      assert.equal(await details.getByTestId('coverage-check').count(), 0, 'a grid offers a coverage check')
    } finally {
      await close(page)
    }
  })

  test('finds the search result and shows what lies where the map is clicked', { timeout: TEST_TIMEOUT_MS }, async () => {
    const page = await openMap()
    try {
      await page.getByTestId('region-search-input').fill('990100')
      await page.getByTestId('region-result-990100').click()
      await page.getByTestId('region-details-name').getByText('示范市').waitFor()

      const locate = page.waitForResponse((r) => r.url().includes('/api/v1/locate?') && r.status() === 200)
      await page.getByTestId('grid-map').click()
      await locate
      const place = page.getByTestId('place-details')
      await place.waitFor()
      assert.match(await place.getByTestId('place-point').textContent(), /^\d+\.\d{6}, \d+\.\d{6}$/)
      const chain = place.getByTestId('region-chain')
      await chain.waitFor()
      assert.ok((await chain.locator('button').count()) >= 1, 'the clicked place lies in no region')
      assert.equal(await place.getByTestId('place-overlay-police').count(), 1)
      assert.equal(await place.getByTestId('place-overlay-mediation').count(), 1)
    } finally {
      await close(page)
    }
  })

  test('runs a coverage check on the city and shows the table', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const page = await openMap()
    try {
      await openFirst(page, 'city')
      await page.getByTestId('region-details-name').getByText('示范市').waitFor()
      const check = page.waitForResponse((r) => r.url().endsWith('/api/v1/regions/990100/check'), { timeout: 60_000 })
      await page.getByTestId('coverage-check').click()
      assert.equal((await check).status(), 200)
      const report = page.getByTestId('coverage-report')
      await report.waitFor()
      assert.match(await report.textContent(), /覆盖检查：示范市/)
      const rows = report.getByTestId('coverage-table').locator('tbody tr')
      await rows.first().waitFor()
      assert.ok((await rows.count()) >= 1 + 4, 'the city and its four counties at least')
      assert.match(await report.getByTestId('coverage-summary').textContent(), /已检查上级区域：\d+/)
      for (const cell of await report.getByTestId('coverage-covered').allTextContents()) {
        assert.match(cell.trim(), /^\d+(\.\d+)?%$/)
      }

      const dir = await mkdtemp(join(tmpdir(), 'gridgov-e2e-shots-'))
      const file = join(dir, 'map.png')
      await page.waitForTimeout(500)
      await page.screenshot({ path: file })
      const { size } = await stat(file)
      assert.ok(size > 10_000, `screenshot ${file} is only ${size} bytes`)
      const png = await readFile(file)
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], 'screenshot is not a PNG')
      t.diagnostic(`screenshot: ${file}`)
    } finally {
      await close(page)
    }
  })
})
