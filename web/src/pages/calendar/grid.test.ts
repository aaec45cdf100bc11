import { describe, expect, it } from 'vitest'
import type { CalendarDay } from '../../api/calendar'
import { isTimeOfDay, kindOf, monthWeeks, overridesByDate, periodHours, wallNow, wallToInstant, weekdayOf } from './grid'

const day = (date: string, name: string, isOffDay: boolean, year = Number(date.slice(0, 4))): CalendarDay => ({ date, name, isOffDay, year })

describe('year view arithmetic', () => {
  it('knows the day of the week whatever the browser zone', () => {
    expect(weekdayOf('2026-01-01')).toBe(4)
    expect(weekdayOf('2026-02-16')).toBe(1)
    expect(weekdayOf('2024-02-29')).toBe(4)
  })

  it('lays a month out in Monday-first weeks', () => {
    // February 2026 begins on a Sunday: six empty slots, then the 1st.
    const weeks = monthWeeks(2026, 2, [0, 6], new Map())
    expect(weeks).toHaveLength(5)
    expect(weeks[0]!.slice(0, 6)).toEqual([null, null, null, null, null, null])
    expect(weeks[0]![6]).toMatchObject({ date: '2026-02-01', day: 1, weekday: 0, kind: 'weekend' })
    expect(weeks[4]![5]).toMatchObject({ date: '2026-02-28', kind: 'weekend' })
    expect(weeks[4]![6]).toBeNull()
    expect(weeks.flat().filter(Boolean)).toHaveLength(28)
  })

  it('marks holidays and make-up working days over the weekly pattern', () => {
    const overrides = new Map([
      ['2026-02-16', day('2026-02-16', '春节', true)],
      ['2026-02-14', day('2026-02-14', '春节', false)],
    ])
    const cells = monthWeeks(2026, 2, [0, 6], overrides).flat()
    const kind = (date: string) => cells.find((c) => c?.date === date)?.kind
    expect(kind('2026-02-16')).toBe('holiday')
    expect(kind('2026-02-14')).toBe('makeup')
    expect(kind('2026-02-15')).toBe('weekend')
    expect(kind('2026-02-13')).toBe('workday')
    expect(kindOf('2026-02-13', [5])).toBe('weekend')
  })

  it("prefers the year's own arrangement to a neighbour's for the same date", () => {
    const merged = overridesByDate({
      days: [day('2027-12-31', '元旦（2027 年安排）', true)],
      other_days: [day('2027-12-31', '元旦', true, 2028), day('2027-12-30', '元旦', true, 2028)],
    })
    expect(merged.get('2027-12-31')?.year).toBe(2027)
    expect(merged.get('2027-12-30')?.year).toBe(2028)
  })

  it("reads a wall-clock time on the calendar's clock, not the browser's", () => {
    expect(wallToInstant('2026-09-30T16:00', 'Asia/Shanghai')).toBe('2026-09-30T16:00:00+08:00')
    expect(wallToInstant('2026-07-01T09:00', 'America/New_York')).toBe('2026-07-01T09:00:00-04:00')
    expect(wallToInstant('2026-01-01T09:00', 'America/New_York')).toBe('2026-01-01T09:00:00-05:00')
    expect(wallToInstant('2026-09-30', 'Asia/Shanghai')).toBeNull()
    expect(wallToInstant('2026-09-30T16:00', 'Mars/Olympus')).toBeNull()
    expect(wallNow('Asia/Shanghai', new Date('2026-09-30T08:05:00Z'))).toBe('2026-09-30T16:05')
  })

  it('reads times of day and counts the hours of a working day', () => {
    expect(['08:30', '24:00', '17:30:15'].every(isTimeOfDay)).toBe(true)
    expect(['8:30', '24:01', '12:60', '25:00', ''].some(isTimeOfDay)).toBe(false)
    expect(periodHours([{ start: '08:30', end: '12:00' }, { start: '13:30', end: '17:30' }])).toBe(7.5)
    expect(periodHours([{ start: '08:30', end: 'noon' }])).toBeNull()
  })
})
