// The working calendar (工作日历) against which event time limits are counted:
// working hours, the weekend, and per-date holidays and make-up working days
// kept per year's arrangement (the holiday-cn format). Every change carries
// the version read and is refused with 409 when someone changed it since.
import { request } from './client'
import type { Role } from './types'

const base = '/api/v1/calendar'

/** The roles that keep the calendar (catalog:manage, city-wide); everyone signed in reads it. */
export const CALENDAR_ROLES: readonly Role[] = ['admin', 'center']

/** A working period of the day, "08:30"–"12:00". */
export interface Period {
  start: string
  end: string
}

/** A date that differs from the weekly pattern; name, date and isOffDay are the holiday-cn fields. */
export interface CalendarDay {
  name: string
  /** YYYY-MM-DD */
  date: string
  isOffDay: boolean
  /** The year whose arrangement (notice) declares the date. */
  year: number
}

export const YEAR_SOURCES = ['default', 'import', 'manual'] as const

export type YearSource = (typeof YEAR_SOURCES)[number]

export interface YearSummary {
  year: number
  papers: string[]
  source: YearSource
  off_days: number
  work_days: number
  updated_at: string
  updated_by: string
}

export interface CalendarSettings {
  time_zone: string
  periods: Period[]
  /** Days of the week that are off, 0 = Sunday … 6 = Saturday. */
  weekend: number[]
}

export interface CalendarState extends CalendarSettings {
  workday_hours: number
  version: number
  updated_at?: string
  updated_by?: string
  years: YearSummary[]
}

export interface YearView {
  year: number
  papers: string[]
  /** Absent when nothing is stored for the year: only the weekly pattern applies. */
  source?: YearSource
  updated_at?: string
  updated_by?: string
  /** The year's own arrangement (it may include the December before). */
  days: CalendarDay[]
  /** Dates in the year declared by another year's arrangement. */
  other_days: CalendarDay[]
  weekend: number[]
  workdays: number
  version: number
}

export interface DayChange {
  date: string
  before: CalendarDay | null
  after: CalendarDay | null
}

export interface DayResult extends DayChange {
  version: number
}

export interface ImportResult {
  year: number
  /** False when the file matched what was stored. */
  stored: boolean
  added: number
  removed: number
  changed: number
  unchanged: number
  changes: DayChange[]
  version: number
}

export type LimitUnit = 'hours' | 'days'

export interface Deadline {
  from: string
  amount: number
  unit: LimitUnit
  /** UTC */
  deadline: string
  /** The same instant on the calendar's clock, with its offset. */
  local: string
  time_zone: string
  version: number
}

export function fetchCalendar(): Promise<CalendarState> {
  return request('GET', base)
}

export function fetchCalendarYear(year: number): Promise<YearView> {
  return request('GET', `${base}/${year}`)
}

export function updateCalendarConfig(input: CalendarSettings & { version: number }): Promise<CalendarState> {
  return request('PUT', `${base}/config`, input)
}

/** Replaces a year's arrangement with a holiday-cn year file. */
export function importCalendarYear(file: File, version: number): Promise<ImportResult> {
  const form = new FormData()
  form.append('version', String(version))
  form.append('file', file)
  return request('POST', `${base}/years`, form)
}

export function setCalendarDay(date: string, input: { version: number; name: string; isOffDay: boolean }): Promise<DayResult> {
  return request('PUT', `${base}/days/${encodeURIComponent(date)}`, input)
}

/** Lets the weekly pattern decide the date again. */
export function deleteCalendarDay(date: string, version: number): Promise<DayResult> {
  return request('DELETE', `${base}/days/${encodeURIComponent(date)}?version=${version}`)
}

/** The deadline of a limit counted from a moment, as the event loop counts it. */
export function fetchDeadline(from: string, amount: number, unit: LimitUnit): Promise<Deadline> {
  const q = new URLSearchParams({ from, amount: String(amount), unit })
  return request('GET', `${base}/deadline?${q}`)
}
