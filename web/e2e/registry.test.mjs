// The registry pages (人口房屋) against a real server holding the demo city:
// register a house in a demo grid and a person living there, find them by ID
// number, and reveal the full number with a purpose. ID numbers must travel
// in request bodies only: no URL the browser asks for or shows may hold one.
import assert from 'node:assert/strict'
import { mkdtemp, readFile, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { ADMIN, launchBrowser, startServer } from './harness.mjs'

const TEST_TIMEOUT_MS = 120_000

/** GB 11643: the check character of the first 17 digits of an ID number. */
function checkDigit(first17) {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * weights[i]
  return '10X98765432'[sum % 11]
}

/** A valid 18-character ID: Daqing's address code, born 15 March 1950, an odd (male) sequence. */
function makeIdNumber() {
  const seq = String(100 + Math.floor(Math.random() * 450) * 2 + 1).padStart(3, '0')
  const first17 = `23060219500315${seq}`
  return first17 + checkDigit(first17)
}

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
      headers: { Cookie: cookie, Origin: baseURL, 'X-CSRF-Token': csrf, ...(init.headers ?? {}) },
    })
}

describe('registry', { timeout: 3 * TEST_TIMEOUT_MS }, () => {
  let server
  let browser
  let api
  /** A comprehensive grid of the demo city, as GET /api/v1/regions/search names it. */
  let grid

  before(async () => {
    server = await startServer({ demo: 'small' })
    api = await apiSession(server.baseURL)
    const probe = await api('/api/v1/persons/search', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    })
    await probe.arrayBuffer()
    if (probe.status === 404) {
      throw new Error(
        'the gridgov binary at GRIDGOV_BIN has no registry API: POST /api/v1/persons/search answered 404. ' +
          'Build it from a tree that has internal/registry and its routes (after `npm run build`).',
      )
    }
    const found = await api(`/api/v1/regions/search?q=${encodeURIComponent('网格')}`)
    assert.equal(found.status, 200, 'searching the demo regions for 网格')
    const { items } = await found.json()
    grid = items.find((r) => r.level === 'grid')
    assert.ok(grid, `no grid among ${items.length} regions named 网格`)
    browser = await launchBrowser()
  })

  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  test('registers a house and a person, finds them by ID number and reveals it', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const idNumber = makeIdNumber()
    const phone = '13812345678'
    const masked = `${idNumber.slice(0, 6)}********${idNumber.slice(14)}`
    const houseCode = `E2E-${Date.now().toString(36)}`

    const context = await browser.newContext({ baseURL: server.baseURL, locale: 'zh-CN', viewport: { width: 1440, height: 900 } })
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

      // 人口房屋 opens on the persons.
      const nav = page.getByTestId('nav-registry')
      assert.equal((await nav.textContent()).trim(), '人口房屋')
      await nav.click()
      await page.getByTestId('persons-page').waitFor()
      assert.equal(new URL(page.url()).pathname, '/registry/persons')

      // A house in the demo grid.
      await page.getByTestId('registry-tab-houses').click()
      await page.getByTestId('houses-page').waitFor()
      assert.equal(new URL(page.url()).pathname, '/registry/houses')
      await page.getByTestId('house-new').click()
      const houseForm = page.getByTestId('house-form')
      await houseForm.waitFor()
      await page.getByTestId('house-form-code').fill(houseCode)
      await page.getByTestId('house-form-estate').fill('幸福家园')
      await page.getByTestId('house-form-building').fill('3')
      await page.getByTestId('house-form-unit').fill('2')
      await page.getByTestId('house-form-room').fill('101')
      await page.getByTestId('house-form-address').fill('示范市红旗区幸福路 8 号')
      await page.getByTestId('house-form-grid-code').fill(grid.code)
      await page.getByTestId('house-form-floor-area').fill('86.5')
      await page.getByTestId('house-form-usage').click()
      await page.getByTestId('house-form-usage-rented').click()
      const savedHouse = page.waitForResponse((r) => r.url().endsWith('/api/v1/houses') && r.request().method() === 'POST')
      await page.getByTestId('house-form-submit').click()
      assert.equal((await savedHouse).status(), 201)
      await page.getByTestId('house-page').waitFor()
      assert.equal(new URL(page.url()).pathname, `/registry/houses/${houseCode}`)
      await page.getByTestId('house-code').getByText(houseCode).waitFor()
      assert.equal(await page.getByTestId('house-grid').getAttribute('data-code'), grid.code)
      await page.getByTestId('house-grid').getByText(grid.name).waitFor()
      assert.equal((await page.getByTestId('house-usage').textContent()).trim(), '出租')

      // A person living there, registered from the house's page.
      await page.getByTestId('house-add-person').click()
      await page.getByTestId('person-form').waitFor()
      assert.equal(await page.getByTestId('person-form-house-code-0').inputValue(), houseCode)
      await page.getByTestId('person-form-name').fill('王建国')
      await page.getByTestId('person-form-id-number').fill(idNumber)
      await page.getByTestId('person-form-phone').fill(phone)
      await page.getByTestId('person-form-tag-add').click()
      await page.getByTestId('person-form-tag-0').click()
      await page.getByTestId('person-form-tag-0-elderly_alone').click()
      const savedPerson = page.waitForResponse((r) => r.url().endsWith('/api/v1/persons') && r.request().method() === 'POST')
      await page.getByTestId('person-form-submit').click()
      assert.equal((await savedPerson).status(), 201)
      await page.getByTestId('person-page').waitFor()
      const personPath = new URL(page.url()).pathname
      assert.match(personPath, /^\/registry\/persons\/\d+$/)
      const personId = personPath.split('/').pop()
      await page.getByTestId('person-id-number').getByText(masked).waitFor()
      assert.equal(await page.getByTestId('person-grid').getAttribute('data-code'), grid.code)
      assert.match(await page.getByTestId('person-tags').textContent(), /独居老人/)
      assert.match(await page.getByTestId('person-groups').textContent(), /60岁以上/)
      assert.equal(await page.getByTestId(`person-house-${houseCode}`).count(), 1)

      // Found by ID number on the persons page, masked.
      await page.getByTestId('person-back').click()
      await page.getByTestId('persons-page').waitFor()
      await page.getByTestId('person-search-id-number').fill(idNumber)
      const searched = page.waitForResponse((r) => r.url().endsWith('/api/v1/persons/search'))
      await page.getByTestId('person-search-submit').click()
      const search = await searched
      assert.equal(search.status(), 200)
      assert.equal(JSON.parse(search.request().postData()).id_number, idNumber, 'the ID number goes in the body')
      const row = page.getByTestId(`person-id-number-${personId}`)
      await row.getByText(masked).waitFor()
      assert.equal(await page.locator('[data-testid^="person-link-"]').count(), 1)
      assert.equal((await page.getByTestId(`person-phone-${personId}`).textContent()).trim(), '138****5678')
      assert.equal(new URL(page.url()).search, '', 'the search is not in the URL')

      // Revealed with a purpose, for a while.
      await page.getByTestId(`person-link-${personId}`).click()
      await page.getByTestId('person-page').waitFor()
      await page.getByTestId('person-id-number').getByText(masked).waitFor()
      await page.getByTestId('reveal-open').click()
      await page.getByTestId('reveal-dialog').waitFor()
      assert.match(await page.getByTestId('reveal-audit-note').textContent(), /审计日志/)
      await page.getByTestId('reveal-submit').click()
      await page.getByTestId('reveal-dialog').getByText('请填写查看用途').waitFor()
      await page.getByTestId('reveal-purpose').fill('核实低保申请')
      const revealed = page.waitForResponse((r) => r.url().endsWith(`/api/v1/persons/${personId}/reveal`))
      await page.getByTestId('reveal-submit').click()
      assert.equal((await revealed).status(), 200)
      await page.getByTestId('person-id-number').getByText(idNumber).waitFor()
      assert.equal((await page.getByTestId('person-phone').textContent()).trim(), phone)
      assert.match(await page.getByTestId('reveal-countdown').textContent(), /(09|10):\d\d/)
      assert.match(await page.getByTestId('reveal-banner').textContent(), /审计日志/)

      const dir = await mkdtemp(join(tmpdir(), 'gridgov-e2e-shots-'))
      const file = join(dir, 'registry-reveal.png')
      await page.waitForTimeout(300)
      await page.screenshot({ path: file, fullPage: true })
      const { size } = await stat(file)
      assert.ok(size > 10_000, `screenshot ${file} is only ${size} bytes`)
      const png = await readFile(file)
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], 'screenshot is not a PNG')
      t.diagnostic(`screenshot: ${file}`)

      // The reveal is in the audit log with its purpose.
      const audit = await api(`/api/v1/audit?action=pii.reveal&target_id=${personId}`)
      assert.equal(audit.status, 200)
      const entries = (await audit.json()).items
      assert.equal(entries.length, 1)
      assert.equal(entries[0].detail.purpose, '核实低保申请')

      urls.push(page.url())
      assert.ok(urls.length > 10, `only ${urls.length} requests seen`)
      const leaks = urls.filter((u) => u.includes(idNumber) || decodeURIComponent(u).includes(idNumber) || u.includes(phone))
      assert.deepEqual(leaks, [], 'URLs holding the ID number or phone')
    } finally {
      await context.close()
    }
    assert.deepEqual(errors, [], 'errors in the page')
  })

  test('a dashboard figure opens the persons list filtered by its group, and the houses list by its region', { timeout: TEST_TIMEOUT_MS }, async () => {
    // Two persons in the grid, one of them living alone; born in 1961, apart from the other test's.
    const save = async (name, seq, tags) => {
      const first17 = `23060219610520${seq}`
      const res = await api('/api/v1/persons', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name, id_number: first17 + checkDigit(first17), grid_code: grid.code, tags }),
      })
      const text = await res.text()
      assert.ok(res.status === 201 || res.status === 200, `saving ${name} answered ${res.status}: ${text}`)
      return JSON.parse(text).id
    }
    const alone = await save('赵独居', '113', [{ tag: 'elderly_alone' }])
    const other = await save('钱同住', '115', [])

    const context = await browser.newContext({ baseURL: server.baseURL, locale: 'zh-CN', viewport: { width: 1440, height: 900 } })
    const page = await context.newPage()
    page.setDefaultTimeout(20_000)
    const errors = []
    page.on('pageerror', (err) => errors.push(err.message))
    try {
      await page.goto(`/dashboard/people?region=${grid.code}`)
      await page.getByTestId('login-username').fill(ADMIN.username)
      await page.getByTestId('login-password').fill(ADMIN.password)
      await page.getByTestId('login-submit').click()
      const figure = page.getByTestId('people-elderly_alone-value')
      await figure.waitFor()

      const searched = page.waitForResponse((r) => r.url().endsWith('/api/v1/persons/search'))
      await figure.click()
      await page.getByTestId('persons-page').waitFor()
      const search = await searched
      assert.equal(search.status(), 200)
      assert.deepEqual(JSON.parse(search.request().postData()), { region: grid.code, tag: 'elderly_alone', limit: 50 })
      const url = new URL(page.url())
      assert.equal(url.pathname, '/registry/persons')
      assert.deepEqual(Object.fromEntries(url.searchParams), { region: grid.code, tag: 'elderly_alone' })
      await page.getByTestId(`person-link-${alone}`).waitFor()
      assert.equal(await page.getByTestId(`person-link-${other}`).count(), 0, 'a person without the tag is listed')
      assert.equal(await page.getByTestId('person-search-region').inputValue(), grid.code)
      assert.match(await page.getByTestId('person-search-tag').textContent(), /独居老人/)

      // Filtering on from there: the URL follows, and a reload shows the same list.
      await page.getByTestId('person-search-residence-type').click()
      await page.getByTestId('person-search-residence-type-registered').click()
      await page.getByTestId('person-search-submit').click()
      await page.waitForURL((u) => u.searchParams.get('residence_type') === 'registered')
      const again = page.waitForResponse((r) => r.url().endsWith('/api/v1/persons/search'))
      await page.reload()
      assert.deepEqual(JSON.parse((await again).request().postData()), {
        tag: 'elderly_alone',
        residence_type: 'registered',
        region: grid.code,
        limit: 50,
      })
      await page.getByTestId(`person-link-${alone}`).waitFor()

      // The houses figure opens the houses of the grid.
      await page.goto(`/dashboard/people?region=${grid.code}`)
      const houses = page.waitForResponse((r) => r.url().includes('/api/v1/houses?'))
      await page.getByTestId('people-houses-value').click()
      await page.getByTestId('houses-page').waitFor()
      assert.equal(new URL((await houses).url()).searchParams.get('region'), grid.code)
      assert.equal(await page.getByTestId('house-filter-region').inputValue(), grid.code)
      assert.deepEqual(errors, [], 'errors in the page')
    } finally {
      await context.close()
    }
  })
})
