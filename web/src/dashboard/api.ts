// The dashboards (人房 / 事件 / 运行): GET /api/v1/dashboard/{people,events,operations}
// and the URL of the change stream. Every panel is for one region of the
// caller's scope (the top of it when none is named); a region outside the
// scope answers 403.
import { request } from '../api/client'
import type { RegionLevel, Role } from '../api/types'

const base = '/api/v1/dashboard'

/** The roles that watch the dashboards. */
export const DASHBOARD_ROLES: readonly Role[] = ['admin', 'center', 'leader']

/** The three panels, which are also the topics of the change stream. */
export const PANELS = ['people', 'events', 'operations'] as const

export type Panel = (typeof PANELS)[number]

export function isPanel(value: unknown): value is Panel {
  return PANELS.some((p) => p === value)
}

export interface PanelRegion {
  code: string
  name: string
  level: RegionLevel
  parent_code?: string
}

export interface PathStep {
  code: string
  name: string
  level: RegionLevel
}

/** A child region of the one on show with its figures, for the map and the table. */
export interface ChildFigures<M extends string> {
  code: string
  name: string
  level: RegionLevel
  measures: Partial<Record<M, number | null>>
}

/** What every panel answers with besides its own figures. */
export interface PanelBase {
  region: PanelRegion
  /** From the top of the tree (or of the caller's scope) down to the region. */
  path: PathStep[]
  as_of: string
}

export type Counts = Record<string, number>
/** Rates are 0..1, or null when nothing was there to count. */
export type Rates = Record<string, number | null>

// --- 人房 (people and houses) ---------------------------------------------------

export const PEOPLE_MEASURES = [
  'persons',
  'houses',
  'aged_60_plus',
  'elderly_alone',
  'floating',
  'rented',
  'vacant',
  'sampling_accuracy',
] as const

export type PeopleMeasure = (typeof PEOPLE_MEASURES)[number]

export const AGE_BANDS = ['0-17', '18-34', '35-59', '60-79', '80+'] as const

export interface PeoplePanel extends PanelBase {
  totals: { persons: number; houses: number; grids: number; households: number }
  persons_by_residence_type: Counts
  persons_by_age_band: Counts
  persons_by_tag: Counts
  houses_by_usage: Counts
  sampling: { month: string; sampled: number; correct: number; accuracy: number | null }
  trend: { month: string; persons: number; houses: number }[]
  children: ChildFigures<PeopleMeasure>[]
}

// --- 事件 (events) ----------------------------------------------------------------

export const EVENT_MEASURES = ['reported', 'closed', 'overdue', 'closure_rate', 'on_time_rate', 'satisfaction_rate'] as const

export type EventMeasure = (typeof EVENT_MEASURES)[number]

export interface PeriodFigures {
  from: string
  to: string
  totals: Counts
  rates: Rates
}

export interface EventRow {
  id: number
  code: string
  title: string
  state: string
  colour: string
  grid_code: string
  deadline: string | null
}

export interface Hotspot {
  grid_code: string
  name: string
  lng: number
  lat: number
  count: number
}

export interface EventsPanel extends PanelBase, PeriodFigures {
  previous: PeriodFigures
  year_ago: PeriodFigures
  by_source: Counts
  by_day: { date: string; reported: number; closed: number }[]
  /** name is Chinese, name_en English, as in the category tree. */
  top_categories: { code: string; name: string; name_en: string; reported: number }[]
  open_by_state: Counts
  open_by_colour: Counts
  slowest_departments: {
    code: string
    name: string
    disposed: number
    disposed_on_time: number
    on_time_rate: number | null
    overdue: number
  }[]
  overdue: EventRow[]
  supervised: EventRow[]
  hotspots: Hotspot[]
  children: ChildFigures<EventMeasure>[]
}

// --- 运行 (operations) ------------------------------------------------------------

export const OPERATIONS_MEASURES = [
  'workers',
  'online_now',
  'attendance_rate',
  'staffing_rate',
  'visits_month',
  'worker_reports_month',
] as const

export type OperationsMeasure = (typeof OPERATIONS_MEASURES)[number]

export interface RankedRegion {
  code: string
  name: string
  score: number
  rank: number
  closure_rate: number | null
  on_time_rate: number | null
  satisfaction_rate: number | null
  attendance_rate: number | null
}

export interface OperationsPanel extends PanelBase {
  workers: { total: number; full_time: number; part_time: number; police: number; team_members: number; online_now: number }
  attendance_today: { scheduled: number; checked_in: number; rate: number | null }
  patrols_today: { count: number; distance_m: number; workers: number }
  visits: { today: number; month: number }
  worker_reports: { today: number; month: number }
  staffing: { grids: number; workers: number; staffing_rate: number | null; full_time_rate: number | null; grids_without_worker: number }
  idle_grids: { days: number; count: number; items: { code: string; name: string; last_activity: string | null }[] }
  ranking: { month: string; counties: RankedRegion[]; townships: RankedRegion[] }
  children: ChildFigures<OperationsMeasure>[]
}

export interface PanelData {
  people: PeoplePanel
  events: EventsPanel
  operations: OperationsPanel
}

/** The measures each panel colours the map by, the first being the default. */
export const PANEL_MEASURES = {
  people: PEOPLE_MEASURES,
  events: EVENT_MEASURES,
  operations: OPERATIONS_MEASURES,
} as const satisfies Record<Panel, readonly string[]>

/** Which measures are rates (0..1) rather than counts. */
export function isRateMeasure(measure: string): boolean {
  return measure.endsWith('_rate') || measure === 'sampling_accuracy'
}

/** The period of the events panel: both ends given or neither (this month to today). */
export interface Period {
  from?: string
  to?: string
}

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v)
  const s = q.toString()
  return s ? `?${s}` : ''
}

/** Lists the server may send as null when empty come back as empty lists. */
function lists<T extends object>(body: T, keys: (keyof T)[]): T {
  const out = { ...body }
  for (const k of keys) if (!Array.isArray(out[k])) (out[k] as unknown) = []
  return out
}

export async function fetchPeople(region?: string): Promise<PeoplePanel> {
  const body = await request<PeoplePanel>('GET', `${base}/people${query({ region })}`)
  return lists(body, ['path', 'trend', 'children'])
}

export async function fetchEvents(region?: string, period: Period = {}): Promise<EventsPanel> {
  const body = await request<EventsPanel>('GET', `${base}/events${query({ region, from: period.from, to: period.to })}`)
  return lists(body, [
    'path',
    'by_day',
    'top_categories',
    'slowest_departments',
    'overdue',
    'supervised',
    'hotspots',
    'children',
  ])
}

export async function fetchOperations(region?: string, idleDays?: number): Promise<OperationsPanel> {
  const body = await request<OperationsPanel>(
    'GET',
    `${base}/operations${query({ region, idle_days: idleDays === undefined ? undefined : String(idleDays) })}`,
  )
  const out = lists(body, ['path', 'children'])
  out.idle_grids = { ...out.idle_grids, items: out.idle_grids?.items ?? [] }
  out.ranking = { ...out.ranking, counties: out.ranking?.counties ?? [], townships: out.ranking?.townships ?? [] }
  return out
}

/** Fetches one panel; the period applies to the events panel only. */
export function fetchPanel<P extends Panel>(panel: P, region?: string, period: Period = {}): Promise<PanelData[P]> {
  switch (panel) {
    case 'people':
      return fetchPeople(region) as Promise<PanelData[P]>
    case 'events':
      return fetchEvents(region, period) as Promise<PanelData[P]>
    default:
      return fetchOperations(region) as Promise<PanelData[P]>
  }
}

/** The URL of the change stream (Server-Sent Events) of a region. */
export function streamUrl(region?: string): string {
  return `${base}/stream${query({ region })}`
}
