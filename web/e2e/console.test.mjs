import assert from 'node:assert/strict'
import { mkdtemp, readFile, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { ADMIN, launchBrowser, startServer } from './harness.mjs'

const TEST_TIMEOUT_MS = 60_000

describe('web console', { timeout: 5 * TEST_TIMEOUT_MS }, () => {
  let server
  let browser

  before(async () => {
    server = await startServer()
    browser = await launchBrowser()
  })

  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  const pageErrors = new WeakMap()

  /** A new browser session (own cookies and storage) on the login page. */
  async function openLogin() {
    const context = await browser.newContext({ baseURL: server.baseURL, locale: 'zh-CN' })
    const page = await context.newPage()
    page.setDefaultTimeout(15_000)
    const errors = []
    pageErrors.set(page, errors)
    page.on('pageerror', (err) => errors.push(err.message))
    page.on('console', (msg) => {
      if (msg.text().includes('Content Security Policy')) errors.push(msg.text())
    })
    await page.goto('/')
    await page.getByTestId('login-page').waitFor()
    assert.equal(new URL(page.url()).pathname, '/login')
    return page
  }

  async function signIn(page, password = ADMIN.password) {
    await page.getByTestId('login-username').fill(ADMIN.username)
    await page.getByTestId('login-password').fill(password)
    await page.getByTestId('login-submit').click()
  }

  /** Closes the browser session, failing the test if the page threw or broke the CSP. */
  async function close(page) {
    await page.context().close()
    assert.deepEqual(pageErrors.get(page), [], 'errors in the page')
  }

  async function openConsole() {
    const page = await openLogin()
    await signIn(page)
    await page.getByTestId('app-layout').waitFor()
    return page
  }

  test('logs in through the form and shows who is signed in', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const page = await openConsole()
    try {
      assert.equal(await page.getByTestId('user-name').textContent(), ADMIN.displayName)
      assert.equal((await page.getByTestId('user-role').textContent()).trim(), '系统管理员')
      assert.equal((await page.getByTestId('product-name').textContent()).trim(), '网格化服务管理平台')
      assert.match(await page.getByTestId('home-welcome').textContent(), new RegExp(ADMIN.displayName))
      assert.equal((await page.getByTestId('home-scope').textContent()).trim(), '全部辖区')
      assert.equal((await page.getByTestId('nav-home').textContent()).trim(), '首页')
      assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN')

      const dir = await mkdtemp(join(tmpdir(), 'gridgov-e2e-shots-'))
      const file = join(dir, 'home.png')
      await page.screenshot({ path: file, fullPage: true })
      const { size } = await stat(file)
      assert.ok(size > 1000, `screenshot ${file} is only ${size} bytes`)
      const png = await readFile(file)
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], 'screenshot is not a PNG')
      t.diagnostic(`screenshot: ${file}`)
    } finally {
      await close(page)
    }
  })

  test('switches between Chinese and English and remembers the choice', { timeout: TEST_TIMEOUT_MS }, async () => {
    const page = await openConsole()
    try {
      await page.getByTestId('locale-switch').click()
      await page.getByTestId('locale-option-en').click()
      await page.getByTestId('nav-home').getByText('Home').waitFor()
      assert.equal((await page.getByTestId('nav-me').textContent()).trim(), 'My account')
      assert.equal((await page.getByTestId('user-role').textContent()).trim(), 'Administrator')
      assert.equal(await page.locator('html').getAttribute('lang'), 'en')

      await page.reload()
      await page.getByTestId('nav-home').getByText('Home').waitFor()

      await page.getByTestId('locale-switch').click()
      await page.getByTestId('locale-option-zh-CN').click()
      await page.getByTestId('nav-home').getByText('首页').waitFor()
      assert.equal((await page.getByTestId('nav-me').textContent()).trim(), '我的')
      assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN')
    } finally {
      await close(page)
    }
  })

  test('shows the account on the Me page, also when opened by URL', { timeout: TEST_TIMEOUT_MS }, async () => {
    const page = await openConsole()
    try {
      await page.getByTestId('nav-me').click()
      await page.getByTestId('me-page').waitFor()
      assert.equal(new URL(page.url()).pathname, '/me')
      assert.equal(await page.getByTestId('me-username').textContent(), ADMIN.username)
      assert.equal(await page.getByTestId('me-display-name').textContent(), ADMIN.displayName)
      assert.equal(await page.getByTestId('me-role').textContent(), '系统管理员')

      await page.goto('/me')
      await page.getByTestId('me-page').waitFor()
      assert.equal(await page.getByTestId('me-username').textContent(), ADMIN.username)
    } finally {
      await close(page)
    }
  })

  test('logs out back to the login page', { timeout: TEST_TIMEOUT_MS }, async () => {
    const page = await openConsole()
    try {
      await page.getByTestId('logout-button').click()
      await page.getByTestId('login-page').waitFor()
      assert.equal(new URL(page.url()).pathname, '/login')

      await page.goto('/me')
      await page.getByTestId('login-page').waitFor()
      assert.equal(new URL(page.url()).pathname, '/login')
    } finally {
      await close(page)
    }
  })

  test('says so when the password is wrong', { timeout: TEST_TIMEOUT_MS }, async () => {
    const page = await openLogin()
    try {
      await signIn(page, 'Not-The-Password-1')
      const error = page.getByTestId('login-error')
      await error.waitFor()
      assert.match(await error.textContent(), /用户名或密码错误/)
      assert.equal(await page.getByTestId('app-layout').count(), 0)
    } finally {
      await close(page)
    }
  })
})
