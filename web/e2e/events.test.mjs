// The dispatch workbench (派单工作台) against a real server holding the demo
// city (departments, routing rules and the category tree come with it): the
// browser reports an event through the form at a point picked on the map
// inside a demo grid, registers it from its page, dispatches it by the
// routing rules as a bulk action, and finds it in the to-sign-for queue with
// its whole timeline. The reporter's phone must never appear in a URL.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ADMIN, launchBrowser, startServer } from './harness.mjs'

const TEST_TIMEOUT_MS = 150_000
const PHONE = '13912345678'

/** Signs in over HTTP; returns a fetch bound to the session. */
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
  return (path, init = {}) =>
    fetch(`${baseURL}${path}`, {
      ...init,
      headers: { Cookie: cookie, Origin: baseURL, 'X-CSRF-Token': csrf, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
    })
}

describe('events', { timeout: 3 * TEST_TIMEOUT_MS }, () => {
  let server
  let browser
  let api
  let grid

  before(async () => {
    server = await startServer({ demo: 'small' })
    api = await apiSession(server.baseURL)
    const probe = await api('/api/v1/events?limit=1')
    await probe.arrayBuffer()
    if (probe.status === 404) {
      throw new Error(
        'the gridgov binary at GRIDGOV_BIN has no events API: GET /api/v1/events answered 404. ' +
          'Build it from a tree with the event routes (after `npm run build`).',
      )
    }
    const found = await api(`/api/v1/regions/search?q=${encodeURIComponent('网格')}`)
    assert.equal(found.status, 200, 'searching the demo regions for 网格')
    grid = (await found.json()).items.find((r) => r.level === 'grid' && r.parent_code)
    assert.ok(grid, 'no grid in the demo city')
    browser = await launchBrowser()
  })

  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  test(
    'reports an event on the map, registers it, dispatches it by the routing rules and finds it waiting to be signed for',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const context = await browser.newContext({ baseURL: server.baseURL, locale: 'zh-CN', viewport: { width: 1440, height: 1000 } })
      const page = await context.newPage()
      page.setDefaultTimeout(20_000)
      const errors = []
      const urls = []
      page.on('pageerror', (err) => errors.push(err.message))
      page.on('console', (msg) => {
        if (msg.text().includes('Content Security Policy')) errors.push(msg.text())
      })
      page.on('request', (r) => urls.push(r.url()))
      page.on('framenavigated', (f) => urls.push(f.url()))

      try {
        await page.goto('/')
        await page.getByTestId('login-username').fill(ADMIN.username)
        await page.getByTestId('login-password').fill(ADMIN.password)
        await page.getByTestId('login-submit').click()
        await page.getByTestId('app-layout').waitFor()

        // 事件工作台 → 上报事件.
        const nav = page.getByTestId('nav-events')
        assert.equal((await nav.textContent()).trim(), '事件工作台')
        await nav.click()
        await page.getByTestId('workbench').waitFor()
        assert.equal(new URL(page.url()).pathname, '/events/workbench')
        assert.equal((await page.getByTestId('workbench-title').textContent()).trim(), '派单工作台')
        await page.getByTestId('queue-count-to_register').waitFor()
        await page.getByTestId('workbench-report').click()
        await page.getByTestId('report-page').waitFor()
        assert.equal(new URL(page.url()).pathname, '/events/report')

        // The category from the tree: type to filter it, then pick the leaf.
        await page.getByTestId('report-form').getByTestId('report-category').click()
        await page.keyboard.type('暴露垃圾')
        await page.getByRole('option', { name: '暴露垃圾 (city_appearance.exposed_garbage)' }).click()
        await page.getByTestId('report-title').fill('路口垃圾堆积')
        await page.getByTestId('report-description').fill('十字路口垃圾堆了三天，无人清运。')

        // The place: the grid's code brings the map to the grid, a click in its middle picks the point.
        await page.locator('[data-testid="event-map"] canvas').first().waitFor()
        await page.getByTestId('report-grid').fill(grid.code)
        await page.getByTestId('report-find-grid').click()
        await page.getByTestId('report-located').getByText(grid.code).waitFor()
        await page.waitForTimeout(500)
        const located = page.waitForResponse((r) => r.url().includes('/api/v1/locate?') && r.status() === 200)
        await page.getByTestId('event-map').click()
        await located
        await page.getByTestId('report-point').waitFor()
        await page.getByTestId('report-located').getByText('位于').waitFor()
        const where = (await page.getByTestId('report-located').textContent()).trim()
        assert.match(where, /\(\d{15}\)$/, `the picked point lies in no grid: ${where}`)

        await page.getByTestId('report-reporter').fill('王先生')
        await page.getByTestId('report-phone').fill(PHONE)
        const reported = page.waitForResponse((r) => r.url().endsWith('/api/v1/events') && r.request().method() === 'POST')
        await page.getByTestId('report-submit').click()
        const response = await reported
        const filed = JSON.parse(await response.text())
        assert.equal(response.status(), 201, JSON.stringify(filed))
        const sent = JSON.parse(response.request().postData())
        assert.equal(sent.category_code, 'city_appearance.exposed_garbage')
        assert.equal(sent.source, 'hotline')
        assert.equal(sent.reporter_phone, PHONE)
        assert.ok(typeof sent.lng === 'number' && typeof sent.lat === 'number', `no point sent: ${JSON.stringify(sent)}`)
        const event = filed.event
        assert.equal(event.state, 'reported')
        assert.equal(where.endsWith(`(${event.grid_code})`), true, `located ${where}, filed in ${event.grid_code}`)
        assert.ok(!JSON.stringify(filed).includes(PHONE), 'the answer holds the phone unmasked')
        await page.getByTestId('report-filed').getByText(event.code).waitFor()
        await page.getByTestId('report-similar').getByText('附近没有相似事件').waitFor()

        // Its page: register it.
        await page.getByTestId('report-open').click()
        await page.getByTestId('event-page').waitFor()
        assert.equal(new URL(page.url()).pathname, `/events/${event.id}`)
        await page.getByTestId('event-state').getByText('待立案').waitFor()
        assert.equal((await page.getByTestId('event-code').textContent()).trim(), event.code)
        assert.equal((await page.getByTestId('event-category').textContent()).trim(), '暴露垃圾')
        assert.equal((await page.getByTestId('event-description').textContent()).trim(), '十字路口垃圾堆了三天，无人清运。')
        await page.locator('[data-testid="event-map"] canvas').first().waitFor()
        await page.getByTestId('event-action-register').click()
        await page.getByTestId('action-form').waitFor()
        await page.getByTestId('action-form-note').fill('符合立案标准')
        const registered = page.waitForResponse((r) => r.url().endsWith(`/api/v1/events/${event.id}/actions`))
        await page.getByTestId('action-form-submit').click()
        const reg = await registered
        assert.equal(reg.status(), 200, await reg.text())
        assert.deepEqual(JSON.parse(reg.request().postData()), { action: 'register', version: 1, note: '符合立案标准' })
        await page.getByTestId('event-state').getByText('已立案').waitFor()
        await page.getByTestId('event-action-dispatch').waitFor()

        // Back on the workbench: dispatch it by the routing rules, as a bulk action.
        await page.getByTestId('event-back').click()
        await page.getByTestId('workbench').waitFor()
        await page.getByTestId('queue-to_dispatch').click()
        await page.waitForURL(/queue=to_dispatch/)
        const pick = page.getByTestId(`event-pick-${event.id}`)
        await pick.waitFor()
        await pick.click()
        await page.getByTestId('bulk-selected').getByText('已选 1 件').waitFor()
        await page.getByTestId('bulk-dispatch').click()
        await page.getByTestId('bulk-dialog').waitFor()
        const dispatched = page.waitForResponse((r) => r.url().endsWith(`/api/v1/events/${event.id}/actions`))
        await page.getByTestId('bulk-start').click()
        const dis = await dispatched
        assert.equal(dis.status(), 200, await dis.text())
        assert.deepEqual(JSON.parse(dis.request().postData()), { action: 'dispatch', version: 2 })
        const lead = JSON.parse(await dis.text()).lead_department
        assert.ok(lead, 'the routing rules named no lead department')
        await page.getByTestId('bulk-summary').getByText('成功 1 件，失败 0 件').waitFor()
        await page.getByTestId('bulk-close').click()

        // Waiting to be signed for, with the whole timeline.
        await page.getByTestId('queue-to_accept').click()
        await page.waitForURL(/queue=to_accept/)
        const open = page.getByTestId(`event-open-${event.id}`)
        await open.waitFor()
        assert.equal((await page.getByTestId(`event-state-${event.id}`).textContent()).trim(), '已派遣')
        assert.equal((await page.getByTestId(`event-warning-${event.id}`).textContent()).trim(), '正常')
        await open.click()
        const drawer = page.getByTestId('event-drawer')
        await drawer.getByTestId('event-state').getByText('已派遣').waitFor()
        const timeline = drawer.getByTestId('event-timeline')
        await timeline.getByText('派遣', { exact: true }).waitFor()
        const actions = (await timeline.getByTestId('timeline-action').allTextContents()).map((s) => s.trim())
        assert.deepEqual(actions, ['上报', '立案', '派遣'])
        const text = await timeline.textContent()
        assert.ok(text.includes('待立案 → 已立案') && text.includes('已立案 → 已派遣'), text)
        assert.ok(text.includes('符合立案标准'), text)
        assert.ok(text.includes(ADMIN.displayName), text)
        assert.ok(text.includes('立案按时'), text)
        await drawer.getByTestId('event-lead').locator(`text=${lead}`).waitFor()
        await page.screenshot({ path: '/tmp/gridgov-e2e-events.png' })

        assert.deepEqual(
          urls.filter((u) => u.includes(PHONE)),
          [],
          "the reporter's phone appeared in a URL",
        )
        assert.deepEqual(errors, [])
      } finally {
        await context.close()
      }
    },
  )
})
