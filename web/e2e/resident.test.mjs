// The residents' app (/resident/) on a phone-sized screen against a real
// server holding the demo city: a resident signs in with the code the
// server's log sender printed, reports a problem with a photo, their
// position and an address; a neighbour about to report the same finds it
// nearby and follows it instead; the center (over the API) registers,
// dispatches, has the department handle it, and closes it; the reporter
// reads the public timeline and rates the result, and the rating is in the
// event.
import assert from 'node:assert/strict'
import { deflateSync } from 'node:zlib'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { ADMIN, launchBrowser, startServer } from './harness.mjs'

const TEST_TIMEOUT_MS = 240_000
const REPORTER = '13900000101'
const NEIGHBOUR = '13900000202'
const TITLE = '小区门口垃圾堆积'
const MOBILE = { width: 360, height: 740 }

/** Signs in over HTTP; returns a fetch bound to the session. */
async function apiSession(baseURL, username, password) {
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
  return async (path, init = {}) => {
    const r = await fetch(`${baseURL}${path}`, {
      ...init,
      headers: { Cookie: cookie, Origin: baseURL, 'X-CSRF-Token': csrf, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
    })
    const body = r.status === 204 ? null : await r.json()
    return { status: r.status, body }
  }
}

/** A 640×480 PNG photo (a colour gradient), made without any library. */
function photoPNG() {
  const w = 640
  const h = 480
  const raw = Buffer.alloc((w * 3 + 1) * h)
  for (let y = 0; y < h; y++) {
    const row = y * (w * 3 + 1)
    raw[row] = 0
    for (let x = 0; x < w; x++) {
      raw[row + 1 + x * 3] = (x * 255) / w
      raw[row + 2 + x * 3] = (y * 255) / h
      raw[row + 3 + x * 3] = 128
    }
  }
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c >>> 0
  })
  const crc = (buf) => {
    let c = 0xffffffff
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
    return (c ^ 0xffffffff) >>> 0
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const sum = Buffer.alloc(4)
    sum.writeUInt32BE(crc(td))
    return Buffer.concat([len, td, sum])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr[8] = 8
  ihdr[9] = 2
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

/** The last sign-in code the server's log sender printed for a phone (masked in the log). */
async function codeFromLog(server, phone, after = '') {
  const masked = `${phone.slice(0, 3)}\\*\\*\\*\\*${phone.slice(7)}`
  const pattern = new RegExp(`to=${masked} code=(\\d{6})`, 'g')
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    const found = [...server.output().matchAll(pattern)].map((m) => m[1])
    const last = found[found.length - 1]
    if (last && last !== after) return last
    await sleep(100)
  }
  throw new Error(`no sign-in code for ${phone} in the server's log`)
}

describe('resident app', { timeout: 2 * TEST_TIMEOUT_MS }, () => {
  let server
  let browser
  let api
  let point
  let grid

  before(async () => {
    server = await startServer({ demo: 'small' })
    api = await apiSession(server.baseURL, ADMIN.username, ADMIN.password)
    const probe = await api('/api/v1/resident/notices')
    if (probe.status === 404) {
      throw new Error('the gridgov binary at GRIDGOV_BIN has no resident API; rebuild it from this tree (after `npm run build`)')
    }
    // A point inside a demo grid: the middle of a grid's box, checked by the locator.
    const found = await api(`/api/v1/regions/search?q=${encodeURIComponent('网格')}`)
    assert.equal(found.status, 200)
    for (const g of found.body.items.filter((r) => r.level === 'grid').slice(0, 20)) {
      const detail = await api(`/api/v1/regions/${g.code}`)
      const [minLng, minLat, maxLng, maxLat] = detail.body.bbox
      const p = { longitude: (minLng + maxLng) / 2, latitude: (minLat + maxLat) / 2 }
      const loc = await api(`/api/v1/locate?lng=${p.longitude}&lat=${p.latitude}`)
      if (loc.status === 200 && loc.body.grid?.code === g.code) {
        point = p
        grid = g
        break
      }
    }
    assert.ok(point, 'no demo grid holds the middle of its own box')
    browser = await launchBrowser()
  })

  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  async function phone(name) {
    const context = await browser.newContext({
      baseURL: server.baseURL,
      locale: 'zh-CN',
      viewport: MOBILE,
      isMobile: true,
      hasTouch: true,
      geolocation: point,
      permissions: ['geolocation'],
    })
    const page = await context.newPage()
    page.setDefaultTimeout(20_000)
    const errors = []
    const urls = []
    page.on('pageerror', (err) => errors.push(`${name}: ${err.message}`))
    page.on('console', (msg) => {
      if (msg.text().includes('Content Security Policy')) errors.push(`${name}: ${msg.text()}`)
    })
    page.on('request', (r) => urls.push(r.url()))
    return { context, page, errors, urls }
  }

  async function signIn(page, number) {
    await page.goto('/resident/')
    await page.getByTestId('signin-page').waitFor()
    assert.equal(new URL(page.url()).pathname, '/resident/login')
    await page.getByTestId('signin-phone').locator('input').fill(number)
    const before = [...server.output().matchAll(/code=(\d{6})/g)].length
    await page.getByTestId('signin-send').click()
    // The resend button counts down.
    await page.getByTestId('signin-send').getByText(/秒后重发/).waitFor()
    assert.ok(await page.getByTestId('signin-send').isDisabled(), 'the resend button is enabled during the wait')
    const code = await codeFromLog(server, number)
    assert.ok([...server.output().matchAll(/code=(\d{6})/g)].length > before)
    assert.ok(!server.output().includes(number), 'the phone number was written to the log in full')
    await page.getByTestId('signin-code').locator('input').fill(code)
    await page.getByTestId('signin-submit').click()
    await page.getByTestId('report-page').waitFor()
  }

  async function pickCategory(page) {
    await page.getByTestId('report-category').click()
    const picker = page.getByTestId('report-category-picker')
    await picker.getByText('市容环境', { exact: true }).click()
    await picker.getByText('暴露垃圾', { exact: true }).click()
    await page.waitForFunction(() => {
      const input = document.querySelector('[data-testid="report-category"] input')
      return input && input.value === '暴露垃圾'
    })
  }

  async function noSideways(page) {
    const width = await page.evaluate(() => document.documentElement.scrollWidth)
    assert.ok(width <= MOBILE.width, `the page is ${width}px wide on a ${MOBILE.width}px screen`)
  }

  test('report with a photo, follow nearby, handle, timeline and rating', { timeout: TEST_TIMEOUT_MS }, async () => {
    const a = await phone('reporter')
    const b = await phone('neighbour')
    try {
      // The reporter signs in and reports.
      await signIn(a.page, REPORTER)
      await noSideways(a.page)
      await pickCategory(a.page)
      await a.page.getByTestId('report-description').locator('textarea').fill(`${TITLE}\n三天无人清运，气味很大。`)
      // A file the browser cannot open (as most cannot open HEIC) is refused when chosen, with the reason.
      await a.page.getByTestId('report-photo-input').setInputFiles({ name: 'fake.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a photo') })
      await a.page.getByTestId('report-photo').getByText(/无法读取这张照片/).waitFor()
      assert.equal(await a.page.getByTestId('report-photo-preview').count(), 0)
      await a.page.getByTestId('report-photo-input').setInputFiles({ name: 'IMG_0001.png', mimeType: 'image/png', buffer: photoPNG() })
      await a.page.getByTestId('report-photo-preview').waitFor()
      await a.page.getByTestId('report-locate').click()
      await a.page.getByTestId('report-position').waitFor()
      await a.page.getByTestId('nearby').waitFor()
      await a.page.getByTestId('report-address').locator('input').fill('幸福路 8 号小区门口')
      const filedP = a.page.waitForResponse((r) => r.url().endsWith('/api/v1/events') && r.request().method() === 'POST')
      const photoP = a.page.waitForResponse((r) => /\/api\/v1\/events\/\d+\/attachments$/.test(r.url()))
      await a.page.getByTestId('report-submit').click()
      const filedR = await filedP
      const filed = JSON.parse(await filedR.text())
      assert.equal(filedR.status(), 201, JSON.stringify(filed))
      const sent = JSON.parse(filedR.request().postData())
      assert.equal(sent.title, TITLE)
      assert.equal(sent.address, '幸福路 8 号小区门口')
      assert.equal(sent.category_code, 'city_appearance.exposed_garbage')
      assert.ok(Math.abs(sent.lng - point.longitude) < 1e-6 && Math.abs(sent.lat - point.latitude) < 1e-6, JSON.stringify(sent))
      const id = filed.event.id
      assert.equal(filed.event.grid_code, grid.code)
      const photoR = await photoP
      assert.equal(photoR.status(), 201, await photoR.text())
      await a.page.getByTestId('events-page').waitFor()
      const card = a.page.locator(`[data-testid="event-card"][data-event-id="${id}"]`)
      await card.getByTestId('event-title').getByText(TITLE).waitFor()
      await card.getByTestId('event-state').getByText('已上报').waitFor()
      await noSideways(a.page)

      const files = await api(`/api/v1/events/${id}/attachments`)
      assert.equal(files.body.items.length, 1, JSON.stringify(files.body))
      assert.equal(files.body.items[0].content_type, 'image/jpeg', 'the photo was not scaled and re-encoded in the browser')

      // The neighbour, about to report the same, finds it and follows it.
      await signIn(b.page, NEIGHBOUR)
      await pickCategory(b.page)
      await b.page.getByTestId('report-locate').click()
      const item = b.page.getByTestId('nearby-item').filter({ hasText: TITLE })
      await item.waitFor()
      assert.ok(!(await b.page.getByTestId('nearby').textContent()).includes('幸福路'), 'the nearby list shows the address')
      const followed = b.page.waitForResponse((r) => r.url().endsWith(`/api/v1/resident/follows/${id}`))
      await item.getByTestId('nearby-follow').click()
      assert.equal((await followed).status(), 200)
      await item.getByTestId('nearby-follow').getByText('已关注').waitFor()
      await item.getByTestId('nearby-followers').getByText('1 人关注').waitFor()
      await noSideways(b.page)
      await b.page.screenshot({ path: '/tmp/gridgov-e2e-resident-nearby.png', fullPage: true })
      await b.page.getByTestId('tab-events').click()
      await b.page.locator(`[data-testid="event-card"][data-event-id="${id}"]`).getByText('我关注的').waitFor()
      const same = await api(`/api/v1/events?q=${encodeURIComponent(TITLE)}`)
      assert.equal(same.body.items.length, 1, 'the neighbour reported it again')

      // The center works it through: register, dispatch, the department signs for it and handles it, verify.
      const act = async (call, body) => {
        const cur = await call(`/api/v1/events/${id}`)
        const r = await call(`/api/v1/events/${id}/actions`, { method: 'POST', body: JSON.stringify({ ...body, version: cur.body.version }) })
        assert.equal(r.status, 200, `${body.action}: ${JSON.stringify(r.body)}`)
        return r.body
      }
      await act(api, { action: 'register', note: '已受理，尽快处理' })
      let dispatched
      const cur = await api(`/api/v1/events/${id}`)
      const byRules = await api(`/api/v1/events/${id}/actions`, {
        method: 'POST',
        body: JSON.stringify({ action: 'dispatch', version: cur.body.version, note: '派城管处置' }),
      })
      if (byRules.status === 200) dispatched = byRules.body
      else {
        const depts = await api('/api/v1/departments?page_size=5')
        dispatched = await act(api, { action: 'dispatch', department: depts.body.items[0].code, note: '派城管处置' })
      }
      const lead = dispatched.lead_department
      assert.ok(lead)
      const deptUser = { username: 'e2e-dept', password: 'Dept-Handler-2026!' }
      const created = await api('/api/v1/users', {
        method: 'POST',
        body: JSON.stringify({ username: deptUser.username, display_name: '王处置', role: 'department', scope: lead,
          password: deptUser.password, must_change_password: false }),
      })
      assert.equal(created.status, 201, JSON.stringify(created.body))
      const dept = await apiSession(server.baseURL, deptUser.username, deptUser.password)
      await act(dept, { action: 'accept' })
      await act(dept, { action: 'comment', note: '内部：安排王师傅' })
      await act(dept, { action: 'feedback', note: '垃圾已清运完毕' })
      await act(api, { action: 'verify', note: '现场核查通过' })
      const leadName = (await api(`/api/v1/departments/${lead}`)).body.name

      // The reporter reads the public timeline and rates.
      await a.page.getByTestId('tab-report').click()
      await a.page.getByTestId('tab-events').click()
      const done = a.page.locator(`[data-testid="event-card"][data-event-id="${id}"]`)
      await done.getByTestId('event-state').getByText('已办结').waitFor()
      const timeline = await done.getByTestId('timeline').textContent()
      for (const want of ['上报', '受理立案', '派遣', '部门签收', '处置反馈', '核查结案', '垃圾已清运完毕', leadName]) {
        assert.ok(timeline.includes(want), `the timeline lacks ${want}: ${timeline}`)
      }
      for (const hidden of ['王处置', '王师傅', ADMIN.displayName]) {
        assert.ok(!timeline.includes(hidden), `the timeline shows ${hidden}: ${timeline}`)
      }
      const rated = a.page.waitForResponse((r) => r.url().endsWith(`/api/v1/events/${id}/actions`))
      await done.getByTestId('rate-satisfied').click()
      const ratedR = await rated
      assert.equal(ratedR.status(), 200, await ratedR.text())
      await done.getByTestId('event-rated').getByText('已评价：满意').waitFor()
      await noSideways(a.page)
      await a.page.screenshot({ path: '/tmp/gridgov-e2e-resident.png', fullPage: true })

      // The rating and the follower are on the event.
      const final = await api(`/api/v1/events/${id}`)
      assert.equal(final.body.rating, 'satisfied')
      assert.equal(final.body.followers, 1)
      assert.equal(final.body.state, 'closed')

      // The follower sees it closed too.
      await b.page.reload()
      await b.page.locator(`[data-testid="event-card"][data-event-id="${id}"]`).getByTestId('event-state').getByText('已办结').waitFor()

      for (const { urls } of [a, b]) {
        assert.deepEqual(urls.filter((u) => u.includes(REPORTER) || u.includes(NEIGHBOUR)), [], 'a phone number appeared in a URL')
      }
      assert.deepEqual([...a.errors, ...b.errors], [])
    } finally {
      await a.context.close()
      await b.context.close()
    }
  })
})
