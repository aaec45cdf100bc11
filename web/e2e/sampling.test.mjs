// The sampling checks (抽检) against a real server holding the demo city: a
// house and a person are registered in one demo grid, then the browser starts
// a round over the grid's village, finds a drawn person wrong and corrects it,
// confirms a drawn house, and reads the accuracy down to the grids. The
// correction must reach the registry as an audited update.
import assert from 'node:assert/strict'
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
      headers: {
        Cookie: cookie,
        Origin: baseURL,
        'X-CSRF-Token': csrf,
        'Content-Type': 'application/json',
        ...(init.headers ?? {}),
      },
    })
}

describe('sampling', { timeout: 3 * TEST_TIMEOUT_MS }, () => {
  let server
  let browser
  let api
  let grid
  const houseCode = `E2E-S-${Date.now().toString(36)}`

  before(async () => {
    server = await startServer({ demo: 'small' })
    api = await apiSession(server.baseURL)
    const probe = await api('/api/v1/sampling/rounds')
    await probe.arrayBuffer()
    if (probe.status === 404) {
      throw new Error(
        'the gridgov binary at GRIDGOV_BIN has no sampling rounds API: GET /api/v1/sampling/rounds answered 404. ' +
          'Build it from a tree with the sampling routes (after `npm run build`).',
      )
    }
    const found = await api(`/api/v1/regions/search?q=${encodeURIComponent('网格')}`)
    assert.equal(found.status, 200, 'searching the demo regions for 网格')
    grid = (await found.json()).items.find((r) => r.level === 'grid' && r.parent_code)
    assert.ok(grid, 'no grid in the demo city')

    const house = await api('/api/v1/houses', {
      method: 'POST',
      body: JSON.stringify({
        house_code: houseCode,
        address: '示范市幸福路 9 号',
        grid_code: grid.code,
        usage: 'rented',
      }),
    })
    assert.equal(house.status, 201, `registering the house: ${await house.text()}`)
    const first17 = `23060219500315${String(100 + Math.floor(Math.random() * 400)).padStart(3, '0')}`
    const person = await api('/api/v1/persons', {
      method: 'POST',
      body: JSON.stringify({
        name: '赵抽检',
        id_number: first17 + checkDigit(first17),
        phone: '13912345678',
        household_no: 'HH-0001',
        houses: [{ house_code: houseCode, relation: 'lives' }],
      }),
    })
    assert.equal(person.status, 201, `registering the person: ${await person.text()}`)
    browser = await launchBrowser()
  })

  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  test(
    'starts a round, checks and corrects records, and reads the accuracy down to the grid',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const context = await browser.newContext({
        baseURL: server.baseURL,
        locale: 'zh-CN',
        viewport: { width: 1440, height: 1000 },
      })
      const page = await context.newPage()
      page.setDefaultTimeout(20_000)
      const errors = []
      page.on('pageerror', (err) => errors.push(err.message))
      page.on('console', (msg) => {
        if (msg.text().includes('Content Security Policy')) errors.push(msg.text())
      })

      try {
        await page.goto('/')
        await page.getByTestId('login-username').fill(ADMIN.username)
        await page.getByTestId('login-password').fill(ADMIN.password)
        await page.getByTestId('login-submit').click()
        await page.getByTestId('app-layout').waitFor()

        // 人口房屋 → 抽检.
        await page.getByTestId('nav-registry').click()
        await page.getByTestId('persons-page').waitFor()
        const tab = page.getByTestId('registry-tab-sampling')
        assert.equal((await tab.textContent()).trim(), '抽检')
        await tab.click()
        await page.getByTestId('sampling-page').waitFor()
        assert.equal(new URL(page.url()).pathname, '/registry/sampling')

        // A round over the grid's village, one record of each kind per grid
        // (the demo city may hold people of its own: the test takes what is drawn).
        await page.getByTestId('sampling-start').click()
        await page.getByTestId('sampling-start-dialog').waitFor()
        // This month in China: a round may not be for a later one.
        const parts = Object.fromEntries(
          new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' })
            .formatToParts(new Date())
            .map((p) => [p.type, p.value]),
        )
        const thisMonth = `${parts.year}-${parts.month}`
        const month = page.getByTestId('sampling-start-month').locator('input')
        await month.fill(thisMonth)
        await month.press('Enter')
        await page.getByTestId('sampling-start-region').fill(grid.parent_code)
        const perGrid = page.getByTestId('sampling-start-per-grid').locator('input')
        await perGrid.fill('1')
        await perGrid.blur()
        const started = page.waitForResponse(
          (r) => r.url().endsWith('/api/v1/sampling/rounds') && r.request().method() === 'POST',
        )
        await page.getByTestId('sampling-start-submit').click()
        const startResponse = await started
        const round = JSON.parse(await startResponse.text())
        assert.equal(startResponse.status(), 201, JSON.stringify(round))
        assert.deepEqual(JSON.parse(startResponse.request().postData()), {
          month: thisMonth,
          region_code: grid.parent_code,
          per_grid: 1,
        })
        const sampled = round.sampled
        assert.ok(sampled >= 2, `the round drew ${sampled} records; the grid holds a house and a person`)
        await page.getByTestId(`sampling-round-${round.id}`).waitFor()
        assert.equal(
          (await page.getByTestId(`sampling-round-sampled-${round.id}`).textContent()).trim(),
          String(sampled),
        )
        assert.equal((await page.getByTestId(`sampling-round-accuracy-${round.id}`).textContent()).trim(), '0.0%')

        // A person is wrong: the finding with a correction of the household number.
        await page.getByTestId(`sampling-round-tasks-${round.id}`).click()
        await page.getByTestId('sampling-tasks-round').waitFor()
        const personTask = page.locator('[data-testid^="sampling-task-"][data-type="person"]').first()
        await personTask.waitFor()
        const personTaskId = (await personTask.getAttribute('data-testid')).replace('sampling-task-', '')
        const personName = (await personTask.textContent()).trim()
        await page.getByTestId(`sampling-task-check-${personTaskId}`).click()
        await page.getByTestId('sample-check-dialog').waitFor()
        await page.getByTestId('sample-check-current-name').getByText(personName).waitFor()
        assert.match(await page.getByTestId('sample-check-current-id-number').textContent(), /^\d{6}\*{8}\d{3}[\dX]$/)
        const phone = (await page.getByTestId('sample-check-current-phone').textContent()).trim()
        assert.ok(phone === '—' || /^\d{3}\*{4}\d{4}$/.test(phone), `the phone shows as ${phone}`)
        await page.getByTestId('sample-check-result-incorrect').click()
        await page.getByTestId('sample-check-note').fill('户号登记有误')
        await page.getByTestId('sample-check-correct-record').click()
        const householdNo = `E2E-${Date.now().toString(36)}`
        await page.getByTestId('sample-check-person-household-no').fill(householdNo)
        const checkedPerson = page.waitForResponse(
          (r) => r.url().endsWith(`/api/v1/sampling/items/${personTaskId}`) && r.request().method() === 'POST',
        )
        await page.getByTestId('sample-check-submit').click()
        const personCheck = await checkedPerson
        assert.equal(personCheck.status(), 204)
        const sent = JSON.parse(personCheck.request().postData())
        assert.equal(sent.result, 'incorrect')
        assert.equal(sent.note, '户号登记有误')
        assert.deepEqual(Object.keys(sent.person).sort(), ['household_no', 'version'])
        assert.equal(sent.person.household_no, householdNo)
        await page.getByTestId('sample-check-dialog').waitFor({ state: 'hidden' })
        await page.getByTestId(`sampling-task-${personTaskId}`).waitFor({ state: 'detached' })

        // A house is right.
        const houseTask = page.locator('[data-testid^="sampling-task-"][data-type="house"]').first()
        const houseTaskId = (await houseTask.getAttribute('data-testid')).replace('sampling-task-', '')
        const houseLabel = (await houseTask.textContent()).trim()
        await page.getByTestId(`sampling-task-check-${houseTaskId}`).click()
        await page.getByTestId('sample-check-current-code').getByText(houseLabel).waitFor()
        const checkedHouse = page.waitForResponse(
          (r) => r.url().endsWith(`/api/v1/sampling/items/${houseTaskId}`) && r.request().method() === 'POST',
        )
        await page.getByTestId('sample-check-submit').click()
        assert.equal((await checkedHouse).status(), 204)
        await page.getByTestId('sample-check-dialog').waitFor({ state: 'hidden' })
        await page.getByTestId(`sampling-task-${houseTaskId}`).waitFor({ state: 'detached' })

        // Accuracy = correct ÷ sampled: 1 of them, with 2 checked.
        const rate = new Intl.NumberFormat('zh-CN', {
          style: 'percent',
          minimumFractionDigits: 1,
          maximumFractionDigits: 1,
        }).format(1 / sampled)
        await page.getByTestId(`sampling-round-accuracy-${round.id}`).getByText(rate).waitFor()
        assert.match(
          await page.getByTestId(`sampling-round-progress-${round.id}`).textContent(),
          new RegExp(`2/${sampled}`),
        )

        // From the village down to its grids.
        await page.getByTestId(`sampling-round-open-${round.id}`).click()
        await page.getByTestId('sampling-accuracy').waitFor()
        assert.equal(await page.getByTestId('sampling-accuracy-summary').getAttribute('data-code'), grid.parent_code)
        assert.equal((await page.getByTestId('sampling-accuracy-rate').textContent()).trim(), rate)
        await page.getByTestId(`sampling-accuracy-row-${grid.code}`).getByText(grid.name).waitFor()
        const gridRows = page.locator('[data-testid^="sampling-accuracy-row-"]')
        assert.ok((await gridRows.count()) >= 1)
        assert.equal(
          await page.locator('[data-testid^="sampling-accuracy-drill-"]').count(),
          0,
          'grids are the bottom level',
        )

        // The correction reached the registry as an audited update.
        const checks = await (await api('/api/v1/audit?action=sampling.check')).json()
        const personCheckEntry = checks.items.find((e) => e.target_id === personTaskId)
        assert.ok(personCheckEntry, 'the check of the person is in the audit log')
        assert.deepEqual(personCheckEntry.detail.corrected, ['household_no'])
        const corrected = personCheckEntry.detail.record_id
        const person = await (await api(`/api/v1/persons/${corrected}`)).json()
        assert.equal(person.household_no, householdNo)
        const audit = await (await api(`/api/v1/audit?action=person.update&target_id=${corrected}`)).json()
        assert.equal(audit.items.length, 1)
        assert.deepEqual(audit.items[0].detail.changed, ['household_no'])
      } finally {
        await context.close()
      }
      assert.deepEqual(errors, [], 'errors in the page')
    },
  )
})
