import { describe, expect, it } from 'vitest'
import { formatArea, formatDate, formatDistance, formatShare } from './format'

describe('formatArea', () => {
  it('writes whole square metres with the locale grouping', () => {
    expect(formatArea(1234567.8, 'zh-CN')).toBe('1,234,568 m²')
    expect(formatArea(1234567.8, 'en')).toBe('1,234,568 m²')
    expect(formatArea(0, 'en')).toBe('0 m²')
  })

  it('writes a dash for no value', () => {
    expect(formatArea(null, 'en')).toBe('—')
    expect(formatArea(undefined, 'en')).toBe('—')
    expect(formatArea(Number.NaN, 'en')).toBe('—')
  })
})

describe('formatShare', () => {
  it('writes a share as a percentage with up to two decimals', () => {
    expect(formatShare(1, 'zh-CN')).toBe('100%')
    expect(formatShare(0.6, 'en')).toBe('60%')
    expect(formatShare(0.12345, 'en')).toBe('12.35%')
    expect(formatShare(0.0091265, 'en')).toBe('0.91%')
  })

  it('never rounds an incomplete coverage up to 100%', () => {
    expect(formatShare(0.99996, 'en')).toBe('99.99%')
    expect(formatShare(0.999999, 'zh-CN')).toBe('99.99%')
  })

  it('reads floating-point noise below 1 as a full cover', () => {
    expect(formatShare(0.9999999999999993, 'en')).toBe('100%')
  })

  it('writes a dash for no value', () => {
    expect(formatShare(null, 'en')).toBe('—')
  })
})

describe('formatDistance', () => {
  it('uses metres below a kilometre and kilometres from there', () => {
    expect(formatDistance(850.4, 'en')).toBe('850 m')
    expect(formatDistance(1234.5, 'en')).toBe('1.2 km')
    expect(formatDistance(12000, 'zh-CN')).toBe('12 km')
    expect(formatDistance(null, 'en')).toBe('—')
  })
})

describe('formatDate', () => {
  it('writes the date the locale way', () => {
    expect(formatDate('2026-03-01T12:00:00Z', 'zh-CN')).toBe('2026/03/01')
    expect(formatDate('2026-03-01T12:00:00Z', 'en')).toBe('03/01/2026')
  })

  it('passes through what it cannot read, and writes a dash for nothing', () => {
    expect(formatDate('not a date', 'en')).toBe('not a date')
    expect(formatDate('', 'en')).toBe('—')
  })
})
