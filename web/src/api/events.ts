// The closed loop of events (事件): reporting, the work queues, one event with
// its history and the actions the caller may take on it, and the measures.
import type { Amount, Step, Urgency } from './catalog'
import { request, send } from './client'
import type { Page, Role } from './types'

const base = '/api/v1'

/** The roles that work events in the console; residents follow theirs in the resident app. */
export const EVENT_ROLES: readonly Role[] = ['admin', 'center', 'department', 'worker', 'leader']

/** Where an event stands in the loop. */
export const EVENT_STATES = [
  'reported',
  'registered',
  'dispatched',
  'handling',
  'handled',
  'closed',
  'rejected',
  'duplicate',
  'parked',
  'voided',
] as const

export type EventState = (typeof EVENT_STATES)[number]

/** The transitions a person can ask for. */
export const EVENT_ACTIONS = [
  'register',
  'reject',
  'merge',
  'self_handle',
  'dispatch',
  'escalate',
  'accept',
  'return',
  'request_extension',
  'approve_extension',
  'refuse_extension',
  'feedback',
  'verify',
  'rework',
  'rate',
  'reopen',
  'park',
  'unpark',
  'void',
  'supervise',
  'comment',
] as const

export type EventAction = (typeof EVENT_ACTIONS)[number]

/**
 * The actions the server refuses without a note (a reason, or what was
 * done): the machine's table in internal/event/machine.go.
 */
export const NOTE_REQUIRED: ReadonlySet<EventAction> = new Set<EventAction>([
  'reject',
  'escalate',
  'return',
  'request_extension',
  'refuse_extension',
  'feedback',
  'rework',
  'reopen',
  'park',
  'void',
  'supervise',
])

/** The channels an event comes in through. */
export const EVENT_SOURCES = ['resident', 'worker', 'hotline', 'department', 'api', 'sensor'] as const

export type EventSource = (typeof EVENT_SOURCES)[number]

/**
 * The sources a report filed in the console may have, the default first: the
 * server takes the source from who reports, and only the center (and
 * administrators) choose, between the hotline and a sensor feed.
 */
export function reportSources(role: Role | undefined): EventSource[] {
  switch (role) {
    case 'worker':
      return ['worker']
    case 'department':
      return ['department']
    case 'resident':
      return ['resident']
    case 'admin':
    case 'center':
      return ['hotline', 'sensor']
    default:
      return []
  }
}

/** The work queues of GET /api/v1/events. */
export const EVENT_QUEUES = [
  'to_register',
  'to_dispatch',
  'to_accept',
  'handling',
  'to_verify',
  'overdue',
  'supervised',
  'parked',
  'closed',
  'mine',
] as const

export type EventQueue = (typeof EVENT_QUEUES)[number]

/** The colour of the step's deadline as of the answer: "" on time, yellow near it, red past it. */
export type Warning = '' | 'yellow' | 'red'

export const RATINGS = ['satisfied', 'basic', 'unsatisfied'] as const

export type Rating = (typeof RATINGS)[number]

export const CARDS = ['yellow', 'red'] as const

export type Card = (typeof CARDS)[number]

/** An event as the API shows it; the reporter's phone comes masked. */
export interface EventRecord {
  id: number
  code: string
  source: EventSource
  category_code: string
  title: string
  description: string
  urgency: Urgency
  state: EventState
  /** The level of the center that holds the event: township, county or city. */
  level: string
  region_code: string
  grid_code: string
  /** WGS-84 [lng, lat]. */
  location?: [number, number] | null
  address: string
  reporter_name?: string
  reporter_phone?: string
  lead_department?: string
  assisting?: string[] | null
  duplicate_of?: number | null
  self_handled: boolean
  supervised: boolean
  supervise_due?: string | null
  step?: Step | ''
  step_started_at?: string | null
  step_due?: string | null
  warning: Warning | string
  rework_count: number
  extended: boolean
  rating?: Rating | string
  /** When it happened, as the reporter says (a report drafted offline). */
  occurred_at?: string | null
  created_at: string
  updated_at: string
  closed_at?: string | null
  version: number
  /** What the caller may do now; lists leave it out (null). */
  actions: EventAction[] | null
}

/** One line of an event's history. */
export interface HistoryEntry {
  id: number
  /** An action, or "report" for the first line. */
  action: string
  actor_name: string
  /** The capacity the actor acted in: center, department, worker, reporter. */
  role: string
  department?: string
  from: EventState
  to: EventState
  note?: string
  detail?: Record<string, unknown> | null
  step?: Step | ''
  /** Whether the step left here was done in time; absent when no timed step ended. */
  step_on_time?: boolean | null
  at: string
}

/** GET /api/v1/events/{id}: the event, its history and the actions the caller may take. */
export interface EventDetail extends EventRecord {
  history: HistoryEntry[]
  /** How many residents follow the event (the resident app offers following instead of reporting it again); absent from older servers. */
  followers?: number
}

/** POST /api/v1/events. */
export interface ReportInput {
  source?: EventSource
  category_code: string
  title: string
  description?: string
  urgency?: Urgency
  /** The location, WGS-84 unless crs says otherwise; without it, the grid. */
  lng?: number
  lat?: number
  crs?: 'wgs84' | 'gcj02'
  grid_code?: string
  address?: string
  reporter_name?: string
  reporter_phone?: string
}

/** An open event like a new report, suggested for merging: enough to tell whether it is the same matter. */
export interface SimilarEvent {
  id: number
  code: string
  category_code: string
  title: string
  description: string
  state: EventState
  grid_code: string
  address: string
  location: [number, number]
  distance_m: number
  created_at: string
}

/** What a report answers: the new event and open events of the same category close by. */
export interface Filed {
  event: EventRecord
  similar: SimilarEvent[]
}

/** POST /api/v1/events/{id}/actions. version is the version the actor saw. */
export interface ActInput {
  action: EventAction
  version: number
  note?: string
  /** dispatch: the lead department; the routing rules choose when absent. */
  department?: string
  assisting?: string[]
  /** merge: the id of the event this one repeats. */
  duplicate_of?: number
  /** request_extension: how much more time. */
  extension?: Amount
  rating?: Rating
  card?: Card
}

export interface EventQuery {
  queue?: EventQueue
  state?: EventState
  category?: string
  region?: string
  department?: string
  q?: string
  after?: number
  limit?: number
}

export interface StatsQuery {
  region?: string
  /** YYYY-MM. */
  from: string
  to?: string
  category?: string
}

/** The measures of a region, month range and category; a rate without a denominator is null. */
export interface EventStats {
  region: string
  from: string
  to: string
  category: string
  counts: Record<string, number>
  rates: Record<string, number | null>
}

function query(params: object): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
  }
  const s = q.toString()
  return s ? `?${s}` : ''
}

/** Files a new event. */
export async function reportEvent(input: ReportInput): Promise<Filed> {
  const { body } = await send<Filed>('POST', `${base}/events`, input)
  return { event: body.event, similar: body.similar ?? [] }
}

/** One page of the events the caller may see, newest first. */
export async function listEvents(q: EventQuery = {}): Promise<Page<EventRecord>> {
  const sent = await request<{ items: EventRecord[] | null; next_after?: number | null }>(
    'GET',
    `${base}/events${query({
      queue: q.queue,
      state: q.state,
      category: q.category,
      region: q.region,
      department: q.department,
      q: q.q,
      after: q.after,
      limit: q.limit,
    })}`,
  )
  const page: Page<EventRecord> = { items: sent.items ?? [] }
  if (typeof sent.next_after === 'number' && sent.next_after > 0) page.next_after = sent.next_after
  return page
}

export async function getEvent(id: number): Promise<EventDetail> {
  const d = await request<EventDetail>('GET', `${base}/events/${id}`)
  return { ...d, actions: d.actions ?? [], history: d.history ?? [] }
}

/** Takes one action; a stale version or a step no longer possible is a conflict (409). */
export async function actOnEvent(id: number, input: ActInput): Promise<EventRecord> {
  const e = await request<EventRecord>('POST', `${base}/events/${id}/actions`, input)
  return { ...e, actions: e.actions ?? [] }
}

export function eventStats(q: StatsQuery): Promise<EventStats> {
  return request('GET', `${base}/stats/events${query({ region: q.region, from: q.from, to: q.to, category: q.category })}`)
}

/** A photo or file on an event, with the URLs of its variants (GET /api/v1/events/{id}/attachments). */
export interface Attachment {
  id: number
  event_id: number
  /** The history line the file came with, if any. */
  action_id?: number | null
  name: string
  content_type: string
  size?: number
  width?: number
  height?: number
  /** The copy anyone who may see the event may see (an image without its EXIF). */
  url: string
  thumb_url?: string
  created_at: string
}

/** The photos and files on an event, oldest first. */
export async function listAttachments(id: number): Promise<Attachment[]> {
  const sent = await request<{ items: Attachment[] | null }>('GET', `${base}/events/${id}/attachments`)
  return sent.items ?? []
}

/** Event codes are the day, the county and a serial: YYYYMMDD + 6 + 5 digits. */
export const EVENT_CODE = /^\d{8}\d{6}\d{5}$/

/**
 * The event a user names by its code (or by its number in the system): the
 * code is looked up, an id is taken as it is. Undefined when none is found.
 */
export async function findEvent(codeOrId: string): Promise<EventRecord | undefined> {
  const v = codeOrId.trim()
  if (!v) return undefined
  if (/^\d+$/.test(v) && !EVENT_CODE.test(v)) {
    try {
      return await getEvent(Number(v))
    } catch {
      return undefined
    }
  }
  const page = await listEvents({ q: v, limit: 5 })
  return page.items.find((e) => e.code === v)
}
