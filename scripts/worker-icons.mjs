// Renders the worker app's PNG icons from web/public/worker/icon.svg with
// headless Chromium (as the browser tests use it): 192 and 512 px for
// "any", and a 512 px full-bleed variant for "maskable" (launchers cut
// their own shape; the drawing stays inside the 80 % safe zone). The PNGs
// are committed; run this again after changing the SVG:
//   node scripts/worker-icons.mjs   (from the repository root)
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dir = path.join(root, 'web/public/worker')
const { chromium } = createRequire(path.join(root, 'web/package.json'))('playwright-core')

const svg = await readFile(path.join(dir, 'icon.svg'), 'utf8')
const maskable = svg.replace(/<rect width="512" height="512" rx="\d+"/, '<rect width="512" height="512"')
if (maskable === svg) throw new Error('icon.svg: no rounded background rect to make full-bleed')

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', headless: true })
try {
  for (const [name, source, size] of [
    ['icon-192.png', svg, 192],
    ['icon-512.png', svg, 512],
    ['icon-maskable-512.png', maskable, 512],
  ]) {
    const page = await browser.newPage({ viewport: { width: size, height: size } })
    const sized = source.replace('<svg ', `<svg width="${size}" height="${size}" `)
    await page.setContent(`<!doctype html><html><body style="margin:0;background:transparent">${sized}</body></html>`)
    await page.screenshot({ path: path.join(dir, name), omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } })
    await page.close()
    console.log(`wrote web/public/worker/${name}`)
  }
} finally {
  await browser.close()
}
