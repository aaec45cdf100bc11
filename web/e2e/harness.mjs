// Starts a real gridgov server with a fresh data directory and a headless
// Chromium to drive the console it serves.
import { spawn } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { chromium } from 'playwright-core'

/** The account the harness creates before the server starts. */
export const ADMIN = Object.freeze({
  username: 'e2e-admin',
  password: 'Grid-Console-2026!',
  displayName: '测试管理员',
})

const HEALTH_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 10_000

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

function gridgovBinary() {
  const bin = process.env.GRIDGOV_BIN
  if (!bin) {
    throw new Error(
      'GRIDGOV_BIN is not set: build the gridgov binary (after `npm run build`, so it embeds this console) ' +
        'and run the browser tests as `GRIDGOV_BIN=/path/to/gridgov npm run e2e`',
    )
  }
  try {
    accessSync(bin, constants.X_OK)
  } catch {
    throw new Error(`GRIDGOV_BIN=${bin} is not an executable file`)
  }
  return bin
}

/** Runs the binary to completion, feeding it stdin; resolves with its output or rejects on a non-zero exit. */
function run(bin, args, stdin) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (code === 0) resolve({ stdout, stderr })
      else reject(new Error(`gridgov ${args.join(' ')} exited with ${code ?? signal}\n${stderr}${stdout}`))
    })
    // A binary that exits without reading stdin must not crash the harness.
    child.stdin.on('error', () => {})
    child.stdin.end(stdin)
  })
}

/** A TCP port that was free a moment ago. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

/**
 * Creates the data directory and the e2e-admin account, starts `gridgov serve`
 * on a free loopback port and waits until /healthz answers 200.
 *
 * Options:
 * - demo: a preset name ('small', ...) to load the demo city into the data
 *   directory first, with `gridgov demo --preset`; no demo data when absent.
 */
export async function startServer({ demo } = {}) {
  const bin = gridgovBinary()
  const dataDir = await mkdtemp(join(tmpdir(), 'gridgov-e2e-'))
  const userAdd = ['user', 'add', '--data-dir', dataDir, '--username', ADMIN.username, '--role', 'admin']
  userAdd.push('--display-name', ADMIN.displayName, '--password-stdin')
  try {
    await run(bin, userAdd, `${ADMIN.password}\n`)
    if (demo) await run(bin, ['demo', '--data-dir', dataDir, '--preset', demo], '')
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true })
    throw err
  }

  const port = await freePort()
  const baseURL = `http://127.0.0.1:${port}`
  const child = spawn(bin, ['serve', '--data-dir', dataDir, '--addr', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let log = ''
  child.stdout.on('data', (chunk) => (log += chunk))
  child.stderr.on('data', (chunk) => (log += chunk))
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)))
  let exitStatus
  void exited.then((status) => (exitStatus = status))

  const server = {
    baseURL,
    /** What the server has written to stdout and stderr so far (its log). */
    output() {
      return log
    },
    /** Stops the server with SIGTERM; fails, showing its output, if it had already died. */
    async stop() {
      const died = exitStatus !== undefined
      if (!died) {
        child.kill('SIGTERM')
        const stopped = await Promise.race([exited.then(() => true), sleep(STOP_TIMEOUT_MS, false)])
        if (!stopped) {
          child.kill('SIGKILL')
          await exited
        }
      }
      await rm(dataDir, { recursive: true, force: true })
      if (died) throw new Error(`gridgov serve exited with ${exitStatus} during the tests\n${log}`)
    },
  }

  try {
    await waitHealthy(baseURL, exited)
    await checkConsoleServed(baseURL)
  } catch (err) {
    await server.stop().catch(() => {})
    throw new Error(`${err.message}\n--- gridgov serve output ---\n${log}`, { cause: err })
  }
  return server
}

async function waitHealthy(baseURL, exited) {
  let exitStatus
  void exited.then((status) => (exitStatus = status))
  const deadline = Date.now() + HEALTH_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (exitStatus !== undefined) throw new Error(`gridgov serve exited with ${exitStatus} before it was healthy`)
    try {
      const response = await fetch(`${baseURL}/healthz`)
      if (response.status === 200) return
    } catch {
      // Not listening yet.
    }
    await sleep(200)
  }
  throw new Error(`GET ${baseURL}/healthz did not answer 200 within ${HEALTH_TIMEOUT_MS / 1000}s`)
}

async function checkConsoleServed(baseURL) {
  const response = await fetch(`${baseURL}/login`)
  const html = await response.text()
  if (response.status !== 200 || !html.includes('<div id="app">')) {
    throw new Error(
      `GET /login answered ${response.status} without the console's index.html: ` +
        'the binary was built without web/dist; run `npm run build` in web/ and rebuild it',
    )
  }
}

/** Headless Chromium: /usr/bin/chromium, or the one CHROMIUM_PATH names. */
export function launchBrowser() {
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS })
}
