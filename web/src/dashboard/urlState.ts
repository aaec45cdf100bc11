// What a dashboard shows lives in its URL, so that a view can be shared and
// survives a reload: the tab is the route, the region, the period of the
// events panel and the map's measure are query parameters. Values that do not
// parse are left out (the server's default applies) rather than sent on.
import type { LocationQuery, LocationQueryRaw, RouteLocationRaw } from 'vue-router'
import { PANEL_MEASURES, isPanel, type Panel, type Period } from './api'

export interface DashboardQuery {
  /** A region code; absent for the top of the caller's scope. */
  region?: string
  /** The events panel's period, both ends or neither. */
  from?: string
  to?: string
  /** The measure the map colours the children by. */
  measure?: string
}

/** Region codes: 6 digits (city, county), 9 (township), 12 (village), 15 (grid). */
const REGION_CODE = /^(\d{6}|\d{9}|\d{12}|\d{15})$/

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

export function isRegionCode(value: string): boolean {
  return REGION_CODE.test(value)
}

/** A real calendar day written YYYY-MM-DD. */
export function isDate(value: string): boolean {
  const m = DATE.exec(value)
  if (!m) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const day = new Date(Date.UTC(y, mo - 1, d))
  return day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d
}

function one(value: LocationQuery[string] | undefined): string {
  const v = Array.isArray(value) ? value[0] : value
  return typeof v === 'string' ? v.trim() : ''
}

/** The dashboard state a URL's query holds, keeping only what parses. */
export function readQuery(query: LocationQuery): DashboardQuery {
  const out: DashboardQuery = {}
  const region = one(query.region)
  if (isRegionCode(region)) out.region = region
  const from = one(query.from)
  const to = one(query.to)
  if (isDate(from) && isDate(to) && from <= to) {
    out.from = from
    out.to = to
  }
  const measure = one(query.measure)
  if (/^[a-z0-9_]{1,40}$/.test(measure)) out.measure = measure
  return out
}

/** The query of a dashboard state; other parameters of base are kept. */
export function writeQuery(state: DashboardQuery, base: LocationQuery = {}): LocationQueryRaw {
  const out: LocationQueryRaw = { ...base }
  for (const key of ['region', 'from', 'to', 'measure'] as const) {
    const v = state[key]
    if (v) out[key] = v
    else delete out[key]
  }
  return out
}

/** The query after drilling to another region: the period stays, the measure too. */
export function drillQuery(query: LocationQuery, region: string): LocationQueryRaw {
  return writeQuery({ ...readQuery(query), region }, query)
}

/** The period in a state, for the events API. */
export function periodOf(state: DashboardQuery): Period {
  return state.from && state.to ? { from: state.from, to: state.to } : {}
}

/** The measure to colour the map by: the one asked for when the panel has it, else the panel's first. */
export function measureFor(panel: Panel, asked?: string): string {
  const measures: readonly string[] = PANEL_MEASURES[panel]
  return asked && measures.includes(asked) ? asked : measures[0]!
}

export const DASHBOARD_ROUTE: Record<Panel, string> = {
  people: 'dashboard-people',
  events: 'dashboard-events',
  operations: 'dashboard-operations',
}

/** The tab a dashboard route shows; the people panel for any other route (the home page). */
export function panelOfRoute(name: unknown): Panel {
  for (const p of Object.keys(DASHBOARD_ROUTE) as Panel[]) if (DASHBOARD_ROUTE[p] === name) return p
  return 'people'
}

/** The console route of a panel with a state. */
export function dashboardLocation(panel: Panel, state: DashboardQuery = {}): RouteLocationRaw {
  return { name: DASHBOARD_ROUTE[panel], query: writeQuery(state) }
}

/** The big screen's query: the region, and a panel to hold instead of rotating. */
export interface ScreenQuery {
  region?: string
  /** The panel whose measure colours the map; absent to rotate through the three. */
  panel?: Panel
}

export function readScreenQuery(query: LocationQuery): ScreenQuery {
  const out: ScreenQuery = {}
  const region = one(query.region)
  if (isRegionCode(region)) out.region = region
  const panel = one(query.panel)
  if (isPanel(panel)) out.panel = panel
  return out
}

export function writeScreenQuery(state: ScreenQuery, base: LocationQuery = {}): LocationQueryRaw {
  const out: LocationQueryRaw = { ...base }
  if (state.region) out.region = state.region
  else delete out.region
  if (state.panel) out.panel = state.panel
  else delete out.panel
  return out
}

function ymd(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** Today's date in a time zone (the deployment's), as a local Date at midnight for presetPeriod. */
export function todayIn(timeZone: string, now: Date = new Date()): Date {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now)
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value)
  return new Date(get('year'), get('month') - 1, get('day'))
}

export const PERIOD_PRESETS = ['month', 'last7', 'last30', 'year'] as const

export type PeriodPreset = (typeof PERIOD_PRESETS)[number]

/** A named period ending today (local time): this month, the last 7 or 30 days, this year. */
export function presetPeriod(preset: PeriodPreset, today: Date): Required<Period> {
  const to = ymd(today)
  const start = new Date(today.getFullYear(), today.getMonth(), today.getDate())
  switch (preset) {
    case 'last7':
      start.setDate(start.getDate() - 6)
      break
    case 'last30':
      start.setDate(start.getDate() - 29)
      break
    case 'year':
      start.setMonth(0, 1)
      break
    default:
      start.setDate(1)
  }
  return { from: ymd(start), to }
}
