import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { localIconCSS } from './vant-styles'

// Vitest does not load CSS, so the test reads Vant's icon CSS from disk.
const iconCSS = readFileSync(resolve(process.cwd(), 'node_modules/vant/es/icon/index.css'), 'utf8')

describe('localIconCSS', () => {
  it('keeps the embedded font and the glyphs and drops fonts from other hosts', () => {
    expect(iconCSS).toMatch(/alicdn/)
    const local = localIconCSS(iconCSS)
    expect(local).not.toMatch(/alicdn|url\(\/\/|url\(https?:/)
    expect(local).toMatch(/url\(data:font\/woff2;[^)]*\) format\("woff2"\)/)
    expect(local).toContain('.van-icon-arrow')
  })

  it('cuts remote sources in either spelling', () => {
    const css = `@font-face{src:url(data:font/woff2;base64,AA) format("woff2"),url(https://cdn.example/x.woff) format("woff"),url(//cdn.example/x.ttf) format("truetype")}`
    expect(localIconCSS(css)).toBe('@font-face{src:url(data:font/woff2;base64,AA) format("woff2")}')
  })
})
