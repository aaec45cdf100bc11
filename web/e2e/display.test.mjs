// Big-screen terminals (大屏终端) against a real server holding the demo city:
// an administrator on the big screen turns the browser into a display; the
// display keeps showing the screen across a reload, every console page
// leads back to the screen and the console's API answers 403; once the
// display is revoked from another browser the screen says so and offers a
// way to sign in again.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ADMIN, launchBrowser, startServer } from './harness.mjs'

const TEST_TIMEOUT_MS = 180_000

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

describe('display screens', { timeout: 2 * TEST_TIMEOUT_MS }, () => {
  let server
  let browser

  before(async () => {
    server = await startServer({ demo: 'small' })
    const admin = await apiSession(server.baseURL, ADMIN)
    const probe = await admin('/api/v1/displays')
    await probe.arrayBuffer()
    if (probe.status === 404) {
      throw new Error('the gridgov binary at GRIDGOV_BIN has no display API: GET /api/v1/displays answered 404. Rebuild it (after `npm run build`).')
    }
    assert.equal(probe.status, 200, `GET /api/v1/displays answered ${probe.status}`)
    browser = await launchBrowser()
  })

  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  test('turns the screen into a display that can show nothing else, until it is revoked', { timeout: TEST_TIMEOUT_MS }, async () => {
    const context = await browser.newContext({ baseURL: server.baseURL, locale: 'zh-CN', viewport: { width: 1920, height: 1080 } })
    const page = await context.newPage()
    page.setDefaultTimeout(20_000)
    const errors = []
    page.on('pageerror', (err) => errors.push(err.message))
    const status = (path, method = 'GET') =>
      page.evaluate(
        async ([p, m]) => {
          const r = await fetch(p, { method: m, headers: { 'Content-Type': 'application/json' }, body: m === 'GET' ? undefined : '{}' })
          return r.status
        },
        [path, method],
      )

    try {
      await page.goto('/screen')
      await page.getByTestId('login-page').waitFor()
      await page.getByTestId('login-username').fill(ADMIN.username)
      await page.getByTestId('login-password').fill(ADMIN.password)
      await page.getByTestId('login-submit').click()
      await page.getByTestId('screen').waitFor()
      const cityName = (await page.getByTestId('screen-region').textContent()).trim()

      // 设为大屏终端: the dialog starts on the region shown.
      await page.getByTestId('screen-make-display').click()
      const dialog = page.getByTestId('display-dialog')
      await dialog.waitFor()
      assert.ok((await page.getByTestId('display-region').textContent()).includes(cityName), 'the dialog does not start on the region shown')
      await page.getByTestId('display-name').fill('指挥中心大屏')
      const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/displays') && r.request().method() === 'POST')
      await page.getByTestId('display-submit').click()
      assert.equal((await created).status(), 201)
      await page.getByTestId('screen-display').getByText('指挥中心大屏', { exact: false }).waitFor()
      assert.equal(await page.getByTestId('screen-make-display').count(), 0)

      // A reload keeps it: the display's cookie is its own.
      await page.reload()
      await page.getByTestId('screen-display').waitFor()
      await page.getByTestId('screen-live').getByText('实时').waitFor()
      assert.equal(await status('/api/v1/dashboard/people'), 200)
      assert.equal(await status('/api/v1/me'), 200)

      // The console is closed to it: its pages lead back to the screen, its API refuses.
      for (const path of ['/', '/registry/persons', '/events/workbench', '/me', '/displays']) {
        await page.goto(path)
        await page.getByTestId('screen').waitFor()
        assert.equal(new URL(page.url()).pathname, '/screen', `${path} was not turned back to the screen`)
      }
      for (const [path, method] of [
        ['/api/v1/events', 'GET'],
        ['/api/v1/persons/search', 'POST'],
        ['/api/v1/users', 'GET'],
        ['/api/v1/audit', 'GET'],
        ['/api/v1/workforce/workers', 'GET'],
        ['/api/v1/displays', 'GET'],
      ]) {
        assert.equal(await status(path, method), 403, `${method} ${path} was not refused`)
      }

      // Revoked from an administrator's own browser: the screen says its session ended.
      const admin = await apiSession(server.baseURL, ADMIN)
      const list = await (await admin('/api/v1/displays')).json()
      const mine = list.items.find((d) => d.name === '指挥中心大屏')
      assert.ok(mine?.active, `the display is not listed as active: ${JSON.stringify(list.items)}`)
      assert.equal((await admin(`/api/v1/displays/${mine.id}`, { method: 'DELETE' })).status, 204)
      await page.getByTestId('screen-signed-out').waitFor()
      assert.equal(await status('/api/v1/dashboard/people'), 401)
      await page.getByTestId('screen-signed-out').getByRole('link').click()
      await page.getByTestId('login-page').waitFor()

      assert.deepEqual(errors, [])
    } finally {
      await context.close()
    }
  })
})
