import { describe, expect, it } from 'vitest'
import { change, classify, extent, formatCount, formatFigure, formatRate } from './format'
import { namedCounts } from './charts'

describe('dashboard figures', () => {
  it('write counts and rates, with a dash for what is missing', () => {
    expect(formatCount(2147000)).toBe('2,147,000')
    expect(formatCount(null)).toBe('—')
    expect(formatRate(0.8567)).toBe('85.7%')
    expect(formatRate(0)).toBe('0.0%')
    expect(formatRate(null)).toBe('—')
    expect(formatFigure(0.5, true)).toBe('50.0%')
    expect(formatFigure(12, false)).toBe('12')
  })

  it.each([
    [120, 100, false, 'up', '+20.0%'],
    [80, 100, false, 'down', '-20.0%'],
    [100, 100, false, 'flat', '0.0%'],
    [5, 0, false, 'none', '—'],
    [0, 0, false, 'flat', '0%'],
    [0.9, 0.85, true, 'up', '+5.0pt'],
    [0.8, 0.85, true, 'down', '-5.0pt'],
    [null, 0.85, true, 'none', '—'],
    [0.8, null, true, 'none', '—'],
  ] as const)('change from %s to %s (rate %s) is %s %s', (now, before, rate, trend, text) => {
    expect(change(now, before, rate)).toEqual({ trend, text })
  })

  it('classifies values into even classes between the smallest and the largest', () => {
    const k = classify([0, 50, 100, null], 8)
    expect([0, 12.4, 50, 99, 100].map(k)).toEqual([0, 0, 4, 7, 7])
    expect(k(null)).toBe(-1)
    expect(k(undefined)).toBe(-1)
    expect(classify([5, 5], 8)(5)).toBe(4)
    expect(classify([], 8)(3)).toBe(4)
    expect(extent([3, null, 9, 1])).toEqual([1, 9])
    expect(extent([null])).toBeNull()
  })

  it('names counts in a given order, then the rest', () => {
    expect(namedCounts({ rented: 2, vacant: 1, self_occupied: 5 }, (k) => k.toUpperCase(), ['self_occupied', 'rented'])).toEqual([
      { key: 'self_occupied', name: 'SELF_OCCUPIED', value: 5 },
      { key: 'rented', name: 'RENTED', value: 2 },
      { key: 'vacant', name: 'VACANT', value: 1 },
    ])
    expect(namedCounts(null, (k) => k)).toEqual([])
  })
})
