// The grid worker's app (/worker/) on a phone-sized Chromium against a real
// server holding the demo city: a worker account made through the API
// signs in, binds the phone with an enrolment code (an Ed25519 key made in
// the browser), checks in inside the grid, goes offline, reports an event
// with a photo, sees it waiting, reloads offline and finds the draft kept,
// comes back online and sees it synced. The console then holds the event
// exactly once, with its photo and the time it was drafted. Then, on the
// same phone: a visit with a photo recorded offline and synced once; an
// event of the grid handled in the grid (自办) and its result fed back
// with a photo, both seen in the console's event detail.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ADMIN, launchBrowser, startServer } from './harness.mjs'

const TEST_TIMEOUT_MS = 180_000
const WORKER = { username: 'e2e-worker', password: 'Grid-Worker-2026!' }
// A 64×48 JPEG, as a phone camera would give (only smaller).
const PHOTO = Buffer.from('/9j/2wCEAA0JCgsKCA0LCgsODg0PEyAVExISEyccHhcgLikxMC4pLSwzOko+MzZGNywtQFdBRkxOUlNSMj5aYVpQYEpRUk8BDg4OExETJhUVJk81LTVPT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT//AABEIADAAQAMBIgACEQEDEQH/xAGiAAABBQEBAQEBAQAAAAAAAAAAAQIDBAUGBwgJCgsQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+gEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoLEQACAQIEBAMEBwUEBAABAncAAQIDEQQFITEGEkFRB2FxEyIygQgUQpGhscEJIzNS8BVictEKFiQ04SXxFxgZGiYnKCkqNTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqCg4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2dri4+Tl5ufo6ery8/T19vf4+fr/2gAMAwEAAhEDEQA/AOCWL2qVYvarKxe1TLF7V7EqhjSqlZYvapli9qsrF7VMsXtWMqh6VKqVli9qmWL2qysXtUqxe1YyqHp0qpXWL2qZYvarCxe1TLF7VjKoelSqmIsXtUyxe1WVi9qmWL2q5VD81pVSssXtUyxe1WVi9qmWL2rGVQ9KlVKyxe1TLF7VYWL2qZYvasZVD06VUrrF7VMsXtVhYvapli9qxlUPSpVTEWL2qZYvarKxe1TLF7Vcqh+a0qpWWL2qZYvarKxe1TLF7VjKoelSqlZYvapli9qsLF7VMsXtWMqh6VKqV1i9qmWL2qwsXtUyxe1YyqHp0qp//9k=', 'base64')

async function apiSession(baseURL) {
  const login = await fetch(`${baseURL}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: baseURL },
    body: JSON.stringify({ username: ADMIN.username, password: ADMIN.password }),
  })
  assert.equal(login.status, 200, `signing in as ${ADMIN.username} answered ${login.status}`)
  const { csrf_token: csrf } = await login.json()
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
  return async (path, body, method = body === undefined ? 'GET' : 'POST') => {
    const res = await fetch(`${baseURL}${path}`, {
      method,
      headers: { Cookie: cookie, Origin: baseURL, 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : undefined, text }
  }
}

/** A point inside the grid: the middle of its bounding box, or another point of it the map places in the grid. */
async function pointIn(api, code) {
  const geo = await api(`/api/v1/regions/${code}/geometry`)
  assert.equal(geo.status, 200, geo.text)
  const coords = JSON.stringify(geo.body).match(/-?\d+\.\d+,\s*-?\d+\.\d+/g).map((p) => p.split(',').map(Number))
  const lngs = coords.map((c) => c[0])
  const lats = coords.map((c) => c[1])
  const [x0, x1, y0, y1] = [Math.min(...lngs), Math.max(...lngs), Math.min(...lats), Math.max(...lats)]
  for (const f of [0.5, 0.4, 0.6, 0.3, 0.7]) {
    const p = { longitude: x0 + (x1 - x0) * f, latitude: y0 + (y1 - y0) * f }
    const at = await api(`/api/v1/locate?lng=${p.longitude}&lat=${p.latitude}`)
    if (at.status === 200 && JSON.stringify(at.body).includes(code)) return p
  }
  throw new Error(`no point found inside grid ${code}`)
}

describe('the grid worker app', { timeout: 2 * TEST_TIMEOUT_MS }, () => {
  let server
  let browser
  let api
  let grid
  let point
  let code
  // The bound phone, kept from test to test (binding is once per device).
  let context
  let page
  const errors = []
  // The event reported offline in the first test.
  let offline

  before(async () => {
    server = await startServer({ demo: 'small' })
    api = await apiSession(server.baseURL)
    const found = await api(`/api/v1/regions/search?q=${encodeURIComponent('网格')}`)
    assert.equal(found.status, 200, found.text)
    grid = found.body.items.find((r) => r.level === 'grid' && r.parent_code)
    assert.ok(grid, 'no grid in the demo city')
    point = await pointIn(api, grid.code)
    const user = await api('/api/v1/users', {
      username: WORKER.username,
      password: WORKER.password,
      display_name: '赵网格',
      role: 'worker',
      scope: grid.parent_code,
      must_change_password: false,
    })
    assert.equal(user.status, 201, user.text)
    const worker = await api('/api/v1/workforce/workers', {
      name: '赵网格',
      user_id: user.body.id,
      employment: 'full_time',
      hire_date: '2024-01-01',
      grids: [{ grid_code: grid.code, primary: true }],
    })
    assert.equal(worker.status, 201, worker.text)
    const enrol = await api(`/api/v1/workforce/workers/${worker.body.id}/enrolments`, {})
    assert.equal(enrol.status, 201, enrol.text)
    code = enrol.body.code
    browser = await launchBrowser()
  })

  after(async () => {
    await context?.close()
    await browser?.close()
    await server?.stop()
  })

  test('signs in, binds, checks in, reports offline with a photo, keeps the draft over a reload and syncs it once', { timeout: TEST_TIMEOUT_MS }, async () => {
    context = await browser.newContext({
      baseURL: server.baseURL,
      locale: 'zh-CN',
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      permissions: ['geolocation'],
      geolocation: point,
    })
    page = await context.newPage()
    page.setDefaultTimeout(20_000)
    page.on('pageerror', (err) => errors.push(err.message))
    await page.goto('/worker/')
    await page.getByTestId('worker-login').waitFor()
    await page.getByTestId('login-username').locator('input').fill(WORKER.username)
    await page.getByTestId('login-password').locator('input').fill(WORKER.password)
    await page.getByTestId('login-submit').click()

    await page.getByTestId('worker-bind').waitFor()
    await page.getByTestId('bind-code').locator('input').fill(code)
    await page.getByTestId('bind-submit').click()
    await page.getByTestId('worker-home').waitFor()
    await page.getByText('赵网格，您好').waitFor()

    // Check in inside the grid.
    await page.getByTestId('home-check-in').click()
    await page.getByTestId('home-checked-in').waitFor()
    assert.match(await page.getByTestId('home-checked-in').textContent(), new RegExp(grid.code))
    await page.getByTestId('sync-status').getByText('已同步').waitFor()

    // The app keeps working offline once its service worker holds the shell.
    await page.waitForFunction(() => navigator.serviceWorker?.controller != null, null, { timeout: 30_000 })

    // Categories are fetched while online (and kept): open the form once.
    await page.getByTestId('tab-report').click()
    await page.getByTestId('worker-report').waitFor()
    await page.locator('[data-testid="report-category"] option[value="city_appearance.exposed_garbage"]').waitFor({ state: 'attached' })

    await context.setOffline(true)
    await page.getByTestId('sync-online').getByText('离线').waitFor()
    await page.getByTestId('report-category').selectOption('city_appearance.exposed_garbage')
    await page.getByTestId('report-title').locator('input').fill('离线上报的垃圾')
    await page.getByTestId('report-description').locator('textarea').fill('楼道口垃圾无人清运')
    await page.getByTestId('report-photo').setInputFiles({ name: 'scene.jpg', mimeType: 'image/jpeg', buffer: PHOTO })
    await page.getByTestId('report-photo-count').getByText('1 张照片').waitFor()
    await page.getByTestId('report-locate').click()
    await page.getByTestId('report-position').waitFor()
    await page.getByTestId('report-submit').click()

    await page.getByTestId('worker-sync').waitFor()
    const draft = page.getByTestId('draft-report')
    await draft.getByText('待同步').waitFor()
    assert.equal(await draft.getAttribute('data-status'), 'pending')
    await page.getByTestId('sync-status').getByText('待同步 1').waitFor()

    // A reload while offline: the service worker starts the app, IndexedDB still holds the draft.
    await page.reload()
    await page.getByTestId('worker-sync').waitFor()
    await page.getByTestId('draft-report').getByText('待同步').waitFor()
    await page.getByTestId('sync-status').getByText('待同步 1').waitFor()

    // Back online: the queue sends it, once.
    await context.setOffline(false)
    await page.locator('[data-testid="draft-report"][data-status="synced"]').waitFor({ timeout: 30_000 })
    await page.getByTestId('sync-status').getByText('已同步').waitFor()

    const list = await api(`/api/v1/events?q=${encodeURIComponent('离线上报的垃圾')}`)
    assert.equal(list.status, 200, list.text)
    assert.equal(list.body.items.length, 1, `events: ${list.text}`)
    const ev = list.body.items[0]
    offline = ev
    assert.equal(ev.source, 'worker')
    assert.equal(ev.grid_code, grid.code)
    // Drafted offline: the time it was drafted is kept, before the receipt.
    assert.ok(ev.occurred_at, `occurred_at missing: ${JSON.stringify(ev)}`)
    assert.ok(Date.parse(ev.occurred_at) <= Date.parse(ev.created_at), `occurred ${ev.occurred_at}, received ${ev.created_at}`)
    const files = await api(`/api/v1/events/${ev.id}/attachments`)
    assert.equal(files.status, 200, files.text)
    assert.equal(files.body.items.length, 1, `attachments: ${files.text}`)
    assert.equal(files.body.items[0].content_type, 'image/jpeg')
    // The console's view at 360 px: nothing wider than the screen.
    await page.setViewportSize({ width: 360, height: 740 })
    const wide = await page.evaluate(() => document.documentElement.scrollWidth)
    assert.ok(wide <= 360, `the app is ${wide} px wide at 360 px`)
    await page.setViewportSize({ width: 390, height: 844 })
    assert.deepEqual(errors, [])
  })

  test('records a visit with a photo offline and syncs it once', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(page, 'the phone was not bound by the first test')
    const house = await api('/api/v1/houses', {
      house_code: 'E2E-VISIT-1',
      address: '幸福路 1 号',
      grid_code: grid.code,
      usage: 'rented',
    })
    assert.ok(house.status === 201 || house.status === 200, house.text)
    await page.goto('/worker/visit?house=E2E-VISIT-1')
    await page.getByTestId('worker-visit').waitFor()

    await context.setOffline(true)
    await page.getByTestId('sync-online').getByText('离线').waitFor()
    await page.getByTestId('visit-purpose').selectOption('rental_check')
    await page.getByTestId('visit-notes').locator('textarea').fill('离线走访：出租房核查')
    await page.getByTestId('visit-photo').setInputFiles({ name: 'door.jpg', mimeType: 'image/jpeg', buffer: PHOTO })
    await page.getByTestId('visit-photo-count').getByText('1 张照片').waitFor()
    await page.getByTestId('visit-submit').click()
    await page.getByTestId('worker-sync').waitFor()
    await page.locator('[data-testid="draft-visit"][data-status="pending"]').waitFor()

    await context.setOffline(false)
    await page.locator('[data-testid="draft-visit"][data-status="synced"]').waitFor({ timeout: 30_000 })
    // Once more by hand: nothing is sent twice.
    await page.getByTestId('sync-now').click()
    await page.getByTestId('sync-status').getByText('已同步').waitFor()

    const visits = await api(`/api/v1/workforce/visits?grid=${grid.code}`)
    assert.equal(visits.status, 200, visits.text)
    const mine = visits.body.items.filter((v) => v.notes === '离线走访：出租房核查')
    assert.equal(mine.length, 1, `visits: ${visits.text}`)
    assert.equal(mine[0].house_code, 'E2E-VISIT-1')
    assert.equal(mine[0].purpose, 'rental_check')
    assert.equal(mine[0].photos.length, 1, `visit photos: ${JSON.stringify(mine[0].photos)}`)
    assert.match(mine[0].photos[0], /^\d+$/)
    assert.deepEqual(errors, [])
  })

  test('handles an event in the grid and feeds back its result from the app; the console shows both', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(page, 'the phone was not bound by the first test')
    const filed = await api('/api/v1/events', { category_code: 'city_appearance.exposed_garbage', title: '网格内可自办的堆物', grid_code: grid.code })
    assert.equal(filed.status, 201, filed.text)
    const ev = filed.body.event
    const registered = await api(`/api/v1/events/${ev.id}/actions`, { action: 'register', version: ev.version, note: '' })
    assert.equal(registered.status, 200, registered.text)

    // 自办 from today's tasks.
    await page.goto('/worker/')
    await page.getByTestId('worker-home').waitFor()
    const task = page.locator(`[data-testid="task-${ev.code}"]`)
    await task.and(page.locator('[data-do="self_handle"]')).waitFor()
    await task.click()
    await page.getByTestId('worker-act').waitFor()
    await page.getByTestId('act-note').locator('textarea').fill('网格员现场自办')
    await page.getByTestId('act-submit').click()
    await page.getByTestId('worker-sync').waitFor()
    await page.locator('[data-testid="draft-action"][data-status="synced"]').waitFor({ timeout: 30_000 })

    // The task now waits for the result: feed it back with a photo.
    await page.getByTestId('tab-home').click()
    await page.getByTestId('worker-home').waitFor()
    await page.getByTestId('home-refresh').click()
    await task.and(page.locator('[data-do="feedback"]')).waitFor()
    await task.click()
    await page.getByTestId('worker-act').waitFor()
    await page.getByTestId('act-submit').click()
    await page.getByTestId('act-error').waitFor() // a feedback needs a note
    await page.getByTestId('act-note').locator('textarea').fill('已清理完毕')
    await page.getByTestId('act-photo').setInputFiles({ name: 'after.jpg', mimeType: 'image/jpeg', buffer: PHOTO })
    await page.getByTestId('act-photo-count').getByText('1 张照片').waitFor()
    await page.getByTestId('act-submit').click()
    await page.getByTestId('worker-sync').waitFor()
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="draft-action"][data-status="synced"]').length === 2,
      null,
      { timeout: 30_000 },
    )

    // The console's event detail: handled in the grid, the history, the photo.
    const desktop = await browser.newContext({ baseURL: server.baseURL, locale: 'zh-CN' })
    try {
      const desk = await desktop.newPage()
      desk.setDefaultTimeout(20_000)
      await desk.goto('/')
      await desk.getByTestId('login-username').fill(ADMIN.username)
      await desk.getByTestId('login-password').fill(ADMIN.password)
      await desk.getByTestId('login-submit').click()
      await desk.getByTestId('app-layout').waitFor()
      await desk.goto(`/events/${ev.id}`)
      await desk.getByTestId('event-page').waitFor()
      await desk.getByTestId('event-state').getByText('已反馈').waitFor()
      const timeline = desk.getByTestId('event-timeline')
      await timeline.getByText('网格自办').first().waitFor()
      await timeline.getByText('网格员现场自办').waitFor()
      await timeline.getByText('已清理完毕').waitFor()
      const files = await api(`/api/v1/events/${ev.id}/attachments`)
      assert.equal(files.status, 200, files.text)
      assert.equal(files.body.items.length, 1, `attachments: ${files.text}`)
      assert.ok(files.body.items[0].action_id, 'the photo is not on the feedback')
      await desk.getByTestId(`event-file-${files.body.items[0].id}`).waitFor()
      // The report drafted offline shows when it happened.
      if (offline) {
        await desk.goto(`/events/${offline.id}`)
        await desk.getByTestId('event-page').waitFor()
        await desk.getByText('发生时间').waitFor()
        await desk.getByTestId('event-occurred-at').waitFor()
      }
    } finally {
      await desktop.close()
    }
    const history = await api(`/api/v1/events/${ev.id}`)
    assert.deepEqual(
      history.body.history.map((h) => h.action),
      ['report', 'register', 'self_handle', 'feedback'],
    )
    assert.deepEqual(errors, [])
  })
})
