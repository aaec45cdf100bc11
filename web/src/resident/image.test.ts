import { describe, expect, it } from 'vitest'
import { MAX_SIDE, fitWithin, titleFrom } from './image'

describe('fitWithin', () => {
  it.each([
    [4000, 3000, 1600, 1200],
    [3000, 4000, 1200, 1600],
    [1600, 900, 1600, 900],
    [800, 600, 800, 600], // never enlarged
    [4000, 1, 1600, 1], // never below one pixel
    [0, 100, 0, 0],
    [Number.NaN, 100, 0, 0],
  ])('%i×%i fits as %i×%i', (w, h, ww, wh) => {
    expect(fitWithin(w, h)).toEqual({ width: ww, height: wh })
  })

  it('keeps the aspect ratio within a pixel and the longest side at most the limit', () => {
    for (const [w, h] of [[4032, 3024], [1080, 2340], [12000, 9000], [1601, 1599]]) {
      const s = fitWithin(w!, h!)
      expect(Math.max(s.width, s.height)).toBeLessThanOrEqual(MAX_SIDE)
      expect(Math.abs(s.width / s.height - w! / h!)).toBeLessThan(2 / Math.min(s.width, s.height))
    }
    expect(fitWithin(1000, 500, 100)).toEqual({ width: 100, height: 50 })
  })
})

describe('titleFrom', () => {
  it('takes the first line, cut at 30 characters', () => {
    expect(titleFrom('路口垃圾堆积\n三天无人清运', '暴露垃圾')).toBe('路口垃圾堆积')
    expect(titleFrom('  ', '暴露垃圾')).toBe('暴露垃圾')
    const long = '一'.repeat(40)
    expect(titleFrom(long, 'x')).toBe(`${'一'.repeat(29)}…`)
    expect(Array.from(titleFrom(long, 'x'))).toHaveLength(30)
  })
})
