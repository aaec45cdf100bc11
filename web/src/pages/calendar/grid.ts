// The year view's arithmetic: which dates fill a month's weeks and what kind
// of day each is. Dates are civil dates ("2026-02-16"), computed in UTC so
// that the browser's own zone never shifts a day.
import type { CalendarDay, YearView } from '../../api/calendar'

/** What a date is: a plain working day, a weekend day, a holiday (declared off) or a make-up working day (调休上班). */
export type DayKind = 'workday' | 'weekend' | 'holiday' | 'makeup'

export interface DayCell {
  date: string
  day: number
  weekday: number
  kind: DayKind
  /** The declaration that decides the date, if any. */
  override?: CalendarDay
}

/** The days of the week in the order Chinese calendars print them, Monday first (0 = Sunday). */
export const WEEK_ORDER = [1, 2, 3, 4, 5, 6, 0] as const

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0')
}

export function isoDate(year: number, month: number, day: number): string {
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`
}

/** The day of the week of a YYYY-MM-DD date, 0 = Sunday. */
export function weekdayOf(date: string): number {
  const [y, m, d] = date.split('-').map(Number)
  return new Date(Date.UTC(y!, m! - 1, d!)).getUTCDay()
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/** The declarations in force for a year view by date: the year's own arrangement wins over a neighbour's. */
export function overridesByDate(view: Pick<YearView, 'days' | 'other_days'>): Map<string, CalendarDay> {
  const out = new Map<string, CalendarDay>()
  for (const d of view.other_days) out.set(d.date, d)
  for (const d of view.days) out.set(d.date, d)
  return out
}

export function kindOf(date: string, weekend: readonly number[], override?: CalendarDay): DayKind {
  if (override) return override.isOffDay ? 'holiday' : 'makeup'
  return weekend.includes(weekdayOf(date)) ? 'weekend' : 'workday'
}

/** A month as weeks of seven slots, Monday first; slots outside the month are null. */
export function monthWeeks(
  year: number,
  month: number,
  weekend: readonly number[],
  overrides: ReadonlyMap<string, CalendarDay>,
): (DayCell | null)[][] {
  const weeks: (DayCell | null)[][] = []
  let week: (DayCell | null)[] = []
  const first = weekdayOf(isoDate(year, month, 1))
  for (let i = 0; i < WEEK_ORDER.indexOf(first as (typeof WEEK_ORDER)[number]); i++) week.push(null)
  for (let day = 1; day <= daysInMonth(year, month); day++) {
    const date = isoDate(year, month, day)
    const override = overrides.get(date)
    week.push({ date, day, weekday: weekdayOf(date), kind: kindOf(date, weekend, override), override })
    if (week.length === 7) {
      weeks.push(week)
      week = []
    }
  }
  if (week.length) {
    while (week.length < 7) week.push(null)
    weeks.push(week)
  }
  return weeks
}

/** The offset of a zone from UTC at an instant, in minutes east. */
export function zoneOffset(timeZone: string, at: number): number {
  const name =
    new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
      .formatToParts(new Date(at))
      .find((p) => p.type === 'timeZoneName')?.value ?? 'GMT'
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name)
  if (!m) return 0
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0)
  return m[1] === '-' ? -minutes : minutes
}

/**
 * A wall-clock time ("2026-09-30T16:00", as a datetime-local input writes
 * it) read on the calendar's clock, as RFC 3339 with that zone's offset —
 * not the browser's, which may be another. Null when unreadable.
 */
export function wallToInstant(wall: string, timeZone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(wall)
  if (!m) return null
  const asUTC = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]))
  let offset: number
  try {
    // The offset at the instant the wall time names (a second look for a
    // zone whose offset changes near it).
    offset = zoneOffset(timeZone, asUTC - zoneOffset(timeZone, asUTC) * 60_000)
  } catch {
    return null
  }
  const a = Math.abs(offset)
  return `${wall}:00${offset < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}:${pad(a % 60)}`
}

/** The wall-clock time now on a zone's clock, as a datetime-local input wants it. */
export function wallNow(timeZone: string, now: Date = new Date()): string {
  const opts: Intl.DateTimeFormatOptions = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }
  try {
    return new Intl.DateTimeFormat('sv-SE', { ...opts, timeZone }).format(now).replace(' ', 'T')
  } catch {
    return new Intl.DateTimeFormat('sv-SE', opts).format(now).replace(' ', 'T')
  }
}

/** A period is written HH:MM (or HH:MM:SS), 00:00–24:00; the server checks order and overlap. */
export function isTimeOfDay(s: string): boolean {
  const m = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(s)
  if (!m) return false
  const [h, min, sec] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)]
  return min < 60 && sec < 60 && (h < 24 || (h === 24 && min === 0 && sec === 0))
}

/** The working hours of a day with the given periods, or null when one is unreadable. */
export function periodHours(periods: readonly { start: string; end: string }[]): number | null {
  let total = 0
  for (const p of periods) {
    if (!isTimeOfDay(p.start) || !isTimeOfDay(p.end)) return null
    const secs = (s: string) => s.split(':').reduce((acc, part, i) => acc + Number(part) * [3600, 60, 1][i]!, 0)
    total += Math.max(0, secs(p.end) - secs(p.start))
  }
  return total / 3600
}
