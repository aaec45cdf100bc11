// The sync queue: every write is first a draft in IndexedDB with its own
// Idempotency-Key, then sent in creation order when the network allows.
// A draft is never sent twice under different keys, so the server can tell
// a retry from a new request; a draft is marked synced only when the
// server says it holds the write (2xx, or a 409 naming the
// Idempotency-Key for the endpoints that answer a used key that way).
import { names, problemText, type DeviceResponse, type Transport } from './device'
import type { LabelKey } from './labels'
import { localProblem, problemOf, type Problem } from './problem'
import { kvGet, kvSet, type Draft, type DraftKind, type Store } from './store'

export type Outcome = 'done' | 'retry' | 'blocked' | 'failed'

/**
 * What an answer means for a draft:
 * - done: the server holds the write (now or from an earlier try);
 * - retry: the network or the server failed; try again later, keeping order;
 * - blocked: the device itself is refused (unbound, clock off); stop until fixed;
 * - failed: the server refused this draft for good; show why, go on with the next.
 */
export function classify(kind: DraftKind | 'photo', res: DeviceResponse): Outcome {
  const { status, body } = res
  if (status >= 200 && status < 300) return 'done'
  if (status === 0 || status === 429 || status >= 500 || status === 408) return 'retry'
  if (status === 401) return 'blocked'
  if (status === 409) {
    // Reports, actions and photos answer a retry with 200 and the same
    // result; a 409 on their key means the key was used for other content.
    if (kind !== 'report' && kind !== 'photo' && kind !== 'action' && names(body, 'Idempotency-Key')) return 'done'
    if (kind === 'patrol_finish' && names(body, 'patrol')) return 'done'
  }
  return 'failed'
}

/**
 * Statuses that refuse the draft itself: sent again unchanged, it would be
 * refused again, so it is offered only to be discarded.
 */
const FINAL = new Set([400, 404, 409, 410, 413, 415, 422])

/** Whether a failed draft may succeed if sent again as it is (a 403 after the account is fixed may). */
export function retryable(d: Pick<Draft, 'status' | 'refusedStatus'>): boolean {
  return d.status === 'failed' && !(d.refusedStatus !== undefined && FINAL.has(d.refusedStatus))
}

/** Seconds to wait after the n-th failed try: 5 s doubling, at most 5 minutes. */
export function backoff(attempts: number): number {
  return Math.min(300, 5 * 2 ** Math.max(0, attempts - 1))
}

export interface NewDraft {
  kind: DraftKind
  key: string
  body: unknown
  label: string
  labelKey?: LabelKey
  photos?: Draft['photos']
  patrolRef?: string
  /** Action: the event acted on. */
  eventId?: number
  eventCode?: string
}

export interface QueueOptions {
  db: Store
  send: Transport
  now?: () => number
  /** The worker's open patrol on the server, for a start whose answer was lost. */
  openPatrol?: () => Promise<number | undefined>
}

export interface QueueState {
  pending: number
  failed: number
  lastError: string
  /** The last failure, to be described in the worker's language. */
  lastProblem?: Problem
  running: boolean
}

const encoder = new TextEncoder()

export class SyncQueue {
  private readonly db: Store
  private readonly send: Transport
  private readonly now: () => number
  private readonly openPatrol?: () => Promise<number | undefined>
  private run: Promise<void> | null = null
  private listeners = new Set<() => void>()
  lastError = ''
  lastProblem: Problem | undefined

  constructor(opts: QueueOptions) {
    this.db = opts.db
    this.send = opts.send
    this.now = opts.now ?? (() => Date.now())
    this.openPatrol = opts.openPatrol
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  private changed(): void {
    for (const fn of this.listeners) fn()
  }

  /** Saves a draft; it is sent by the next sync. */
  async add(nd: NewDraft): Promise<Draft> {
    const d: Draft = {
      kind: nd.kind,
      key: nd.key,
      body: JSON.stringify(nd.body),
      label: nd.label,
      labelKey: nd.labelKey,
      createdAt: new Date(this.now()).toISOString(),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: 0,
      lastError: '',
      photos: nd.photos,
      patrolRef: nd.patrolRef,
      eventId: nd.eventId,
      eventCode: nd.eventCode,
    }
    d.id = await this.db.add('drafts', d)
    this.changed()
    return d
  }

  async all(): Promise<Draft[]> {
    return this.db.getAll('drafts')
  }

  async get(id: number): Promise<Draft | undefined> {
    return this.db.get('drafts', id)
  }

  async state(): Promise<QueueState> {
    const pending = await this.db.countFromIndex('drafts', 'status', 'pending')
    const failed = await this.db.countFromIndex('drafts', 'status', 'failed')
    return { pending, failed, lastError: this.lastError, lastProblem: this.lastProblem, running: this.run !== null }
  }

  /** Forgets a draft the server refused (or one the worker gives up). */
  async discard(id: number): Promise<void> {
    await this.db.delete('drafts', id)
    this.changed()
  }

  /** Sends a failed draft again, with the same key, unless the server refused it for good. */
  async retry(id: number): Promise<void> {
    const d = await this.db.get('drafts', id)
    if (!d || !retryable(d)) return
    d.status = 'pending'
    d.nextAttemptAt = 0
    await this.db.put('drafts', d)
    this.changed()
  }

  /**
   * Sends the pending drafts in creation order. One run at a time; force
   * ignores the backoff (the network just came back, or the worker asked).
   */
  sync(force = false): Promise<void> {
    if (this.run) return this.run
    this.run = this.drain(force).finally(() => {
      this.run = null
      this.changed()
    })
    this.changed()
    return this.run
  }

  private async drain(force: boolean): Promise<void> {
    const pending = await this.db.getAllFromIndex('drafts', 'status', 'pending')
    pending.sort((a, b) => (a.id ?? 0) - (b.id ?? 0))
    for (const d of pending) {
      if (!force && d.nextAttemptAt > this.now()) return
      const outcome = await this.process(d)
      if (outcome === 'retry' || outcome === 'blocked') {
        d.attempts++
        d.nextAttemptAt = this.now() + backoff(d.attempts) * 1000
        await this.db.put('drafts', d)
        return // later drafts wait: order matters (a check-out after its check-in)
      }
      d.status = outcome === 'done' ? 'synced' : 'failed'
      if (outcome === 'done') {
        d.lastError = ''
        d.problem = undefined
        this.lastError = ''
        this.lastProblem = undefined
      }
      await this.db.put('drafts', d)
      this.changed()
    }
  }

  private fail(d: Draft, res: DeviceResponse): void {
    if (res.status >= 400) d.refusedStatus = res.status
    d.lastError = res.status === 0 ? 'offline' : problemText(res.body) || `HTTP ${res.status}`
    d.problem = problemOf(res)
    this.lastError = d.lastError
    this.lastProblem = d.problem
  }

  private failLocally(d: Draft, code: string, text: string): void {
    d.lastError = text
    d.problem = localProblem(code)
    this.lastError = text
    this.lastProblem = d.problem
  }

  private async process(d: Draft): Promise<Outcome> {
    switch (d.kind) {
      case 'report':
        return this.processReport(d)
      case 'check_in':
      case 'check_out':
        return this.simple(d, `/api/v1/workforce/attendance/${d.kind === 'check_in' ? 'check-in' : 'check-out'}`)
      case 'visit':
        return this.processVisit(d)
      case 'action':
        return this.processAction(d)
      case 'patrol_start':
        return this.processPatrolStart(d)
      case 'patrol_points':
      case 'patrol_finish': {
        const id = await kvGet<number>(this.db, `patrol:${d.patrolRef}`)
        if (id === undefined) {
          this.failLocally(d, 'patrol_not_started', 'the patrol was not started on the server')
          return 'failed'
        }
        const path = `/api/v1/workforce/device/patrols/${id}/${d.kind === 'patrol_points' ? 'points' : 'finish'}`
        return this.simple(d, path, d.kind === 'patrol_finish' ? '' : undefined)
      }
    }
  }

  private async simple(d: Draft, path: string, bodyOverride?: string): Promise<Outcome> {
    const body = bodyOverride ?? d.body
    const res = await this.send({ method: 'POST', path, key: d.key, body: body === '' ? undefined : encoder.encode(body) })
    const outcome = classify(d.kind, res)
    if (outcome === 'done') d.result = res.body
    else this.fail(d, res)
    return outcome
  }

  private async processPatrolStart(d: Draft): Promise<Outcome> {
    const res = await this.send({ method: 'POST', path: '/api/v1/workforce/device/patrols', key: d.key, body: encoder.encode(d.body) })
    const outcome = classify(d.kind, res)
    if (outcome !== 'done') {
      this.fail(d, res)
      return outcome
    }
    let id = typeof res.body.id === 'number' ? res.body.id : undefined
    if (id === undefined && this.openPatrol) id = await this.openPatrol() // a replay: the first answer was lost
    if (id === undefined) {
      this.failLocally(d, 'patrol_id_unknown', 'started, but its id is unknown')
      return 'retry'
    }
    d.result = res.body
    await kvSet(this.db, `patrol:${d.patrolRef}`, id)
    return 'done'
  }

  private async processReport(d: Draft): Promise<Outcome> {
    if (d.eventId === undefined) {
      const res = await this.send({ method: 'POST', path: '/api/v1/workforce/device/events', key: d.key, body: encoder.encode(d.body) })
      const outcome = classify('report', res)
      if (outcome !== 'done') {
        this.fail(d, res)
        return outcome
      }
      const ev = res.body.event as { id: number; code: string }
      d.eventId = ev.id
      d.eventCode = ev.code
      d.result = res.body
      // Saved at once: the photos that follow go to this event even after a reload.
      await this.db.put('drafts', d)
      this.changed()
    }
    return this.sendPhotos(d, `/api/v1/workforce/device/events/${d.eventId}/photos`)
  }

  /**
   * Uploads the draft's photos not sent yet, each with its own key, to
   * path (with the draft's place, and any query given), saving the draft
   * after each so that a reload resumes after the last one sent.
   */
  private async sendPhotos(d: Draft, path: string, extra: Record<string, string> = {}): Promise<Outcome> {
    const where = JSON.parse(d.body) as { lng?: number; lat?: number }
    for (const ph of d.photos ?? []) {
      if (ph.done) continue
      const q = new URLSearchParams({ ...extra, name: ph.name })
      if (typeof where.lng === 'number' && typeof where.lat === 'number') {
        q.set('lng', String(where.lng))
        q.set('lat', String(where.lat))
      }
      const res = await this.send({
        method: 'POST',
        path: `${path}?${q.toString()}`,
        key: ph.key,
        body: new Uint8Array(ph.bytes),
        contentType: ph.type || 'image/jpeg',
      })
      const outcome = classify('photo', res)
      if (outcome !== 'done') {
        this.fail(d, res)
        return outcome
      }
      ph.done = true
      const photo = res.body.photo as { id?: unknown } | undefined
      if (typeof photo?.id === 'string') ph.serverId = photo.id
      await this.db.put('drafts', d)
      this.changed()
    }
    return 'done'
  }

  /**
   * A visit's photos go first, each kept on the server with its own key;
   * then the visit, naming them. Its body is completed once with their
   * ids and saved, so that every try of the visit sends the same bytes.
   */
  private async processVisit(d: Draft): Promise<Outcome> {
    if (!d.bodyFinal && d.photos?.length) {
      const sent = await this.sendPhotos(d, '/api/v1/workforce/device/photos')
      if (sent !== 'done') return sent
      const body = JSON.parse(d.body) as Record<string, unknown>
      const given = Array.isArray(body.photos) ? (body.photos as string[]) : []
      body.photos = [...given, ...(d.photos ?? []).map((p) => p.serverId ?? '')]
      d.body = JSON.stringify(body)
      d.bodyFinal = true
      await this.db.put('drafts', d)
    }
    return this.simple(d, '/api/v1/workforce/device/visits')
  }

  /**
   * An action on an event (self-handle, feedback) is taken once; its
   * history line's id is saved, and a feedback's photos then go on it.
   * A stale version fails the draft, marked so the app offers a refresh.
   */
  private async processAction(d: Draft): Promise<Outcome> {
    if (d.actionId === undefined) {
      const res = await this.send({ method: 'POST', path: `/api/v1/workforce/device/events/${d.eventId}/actions`, key: d.key, body: encoder.encode(d.body) })
      const outcome = classify('action', res)
      if (outcome !== 'done') {
        if (res.status === 409 && names(res.body, 'version')) d.stale = true
        this.fail(d, res)
        return outcome
      }
      d.actionId = typeof res.body.action_id === 'number' ? res.body.action_id : 0
      d.result = res.body
      await this.db.put('drafts', d)
      this.changed()
    }
    return this.sendPhotos(d, `/api/v1/workforce/device/events/${d.eventId}/photos`, { action: String(d.actionId) })
  }
}
