import { describe, expect, it } from 'vitest'
import {
  dashboardLocation,
  drillQuery,
  isDate,
  measureFor,
  panelOfRoute,
  periodOf,
  presetPeriod,
  readQuery,
  todayIn,
  readScreenQuery,
  writeQuery,
  writeScreenQuery,
} from './urlState'

describe('dashboard URL state', () => {
  it('reads the region, the period and the measure', () => {
    expect(readQuery({ region: '230602001', from: '2026-11-01', to: '2026-11-20', measure: 'overdue' })).toEqual({
      region: '230602001',
      from: '2026-11-01',
      to: '2026-11-20',
      measure: 'overdue',
    })
    expect(readQuery({})).toEqual({})
  })

  it.each([
    ['a region code of the wrong length', { region: '2306021' }, {}],
    ['a region that is not digits', { region: '23060a' }, {}],
    ['a region given twice: the first counts', { region: ['230602', '230603'] }, { region: '230602' }],
    ['one end of a period', { from: '2026-11-01' }, {}],
    ['a period that ends before it starts', { from: '2026-11-20', to: '2026-11-01' }, {}],
    ['a day that does not exist', { from: '2026-02-30', to: '2026-03-01' }, {}],
    ['a measure with odd characters', { measure: 'x;drop' }, {}],
  ])('leaves out %s', (_, query, want) => {
    expect(readQuery(query)).toEqual(want)
  })

  it('accepts every level of region code', () => {
    for (const code of ['230600', '230602001', '230602001001', '230602001001001']) {
      expect(readQuery({ region: code }).region).toBe(code)
    }
  })

  it('writes only what is set and keeps other parameters', () => {
    expect(writeQuery({ region: '230602' }, { from: '2026-01-01', keep: 'x' })).toEqual({ region: '230602', keep: 'x' })
    expect(writeQuery({})).toEqual({})
  })

  it('drilling changes the region and keeps the period and measure', () => {
    const before = { region: '230600', from: '2026-11-01', to: '2026-11-29', measure: 'overdue' }
    expect(drillQuery(before, '230602')).toEqual({ ...before, region: '230602' })
    expect(readQuery(drillQuery({}, '230602001001001') as Record<string, string>)).toEqual({ region: '230602001001001' })
  })

  it('round-trips a state through the URL', () => {
    const state = { region: '230602001001', from: '2026-10-01', to: '2026-10-31', measure: 'closure_rate' }
    expect(readQuery(writeQuery(state) as Record<string, string>)).toEqual(state)
  })

  it('gives the events API a period only when both ends are set', () => {
    expect(periodOf({ from: '2026-10-01', to: '2026-10-31' })).toEqual({ from: '2026-10-01', to: '2026-10-31' })
    expect(periodOf({ region: '230602' })).toEqual({})
  })

  it('colours the map by a measure of the panel on show', () => {
    expect(measureFor('events', 'overdue')).toBe('overdue')
    expect(measureFor('events', 'persons')).toBe('reported')
    expect(measureFor('people')).toBe('persons')
    expect(measureFor('operations', undefined)).toBe('workers')
  })

  it('maps tabs to routes and back', () => {
    expect(panelOfRoute('dashboard-events')).toBe('events')
    expect(panelOfRoute('dashboard-operations')).toBe('operations')
    expect(panelOfRoute('home')).toBe('people')
    expect(dashboardLocation('events', { region: '230602', measure: '' })).toEqual({
      name: 'dashboard-events',
      query: { region: '230602' },
    })
  })

  it('knows real days', () => {
    expect(isDate('2024-02-29')).toBe(true)
    expect(isDate('2026-02-29')).toBe(false)
    expect(isDate('2026-13-01')).toBe(false)
    expect(isDate('2026-1-01')).toBe(false)
  })

  it('names periods ending today', () => {
    const today = new Date(2026, 10, 29, 15, 30)
    expect(presetPeriod('month', today)).toEqual({ from: '2026-11-01', to: '2026-11-29' })
    expect(presetPeriod('last7', today)).toEqual({ from: '2026-11-23', to: '2026-11-29' })
    expect(presetPeriod('last30', today)).toEqual({ from: '2026-10-31', to: '2026-11-29' })
    expect(presetPeriod('year', today)).toEqual({ from: '2026-01-01', to: '2026-11-29' })
    expect(presetPeriod('last7', new Date(2026, 2, 2))).toEqual({ from: '2026-02-24', to: '2026-03-02' })
  })
})

describe('todayIn', () => {
  it("takes the date of the deployment's time zone", () => {
    // 20:30 UTC is already the next day in Shanghai.
    const d = todayIn('Asia/Shanghai', new Date('2026-11-30T20:30:00Z'))
    expect([d.getFullYear(), d.getMonth() + 1, d.getDate()]).toEqual([2026, 12, 1])
  })
})

describe('big screen URL state', () => {
  it('reads the region and a held panel', () => {
    expect(readScreenQuery({ region: '230602', panel: 'events' })).toEqual({ region: '230602', panel: 'events' })
    expect(readScreenQuery({ region: 'x', panel: 'weather' })).toEqual({})
  })
  it('writes them, dropping what is unset', () => {
    expect(writeScreenQuery({ region: '230602' }, { panel: 'people', other: '1' })).toEqual({ region: '230602', other: '1' })
  })
})
