// One action on many events, one after another, each at the version the list
// showed: an event someone else acted on meanwhile fails alone (a conflict),
// and every failure is kept with the server's reason for the user to read.
import { actOnEvent, type ActInput, type EventRecord } from '../../api/events'
import { ApiError } from '../../api/client'
import { describeError, type ErrorText } from '../../i18n/problem'

export type BulkStatus = 'ok' | 'failed' | 'skipped'

export interface BulkOutcome {
  event: EventRecord
  status: BulkStatus
  /** The event as the action left it. */
  result?: EventRecord
  /** Why it failed: the summary, and the server's detail and field reasons. */
  error?: ErrorText
  /** Someone else acted first, or the event moved on (409). */
  conflict?: boolean
}

export interface BulkRun {
  /** Called after each event with how many are done. */
  onProgress?: (done: number, total: number) => void
  /** Asked before each event: true stops the run, and the rest are skipped. */
  stopped?: () => boolean
}

function failure(err: unknown): Pick<BulkOutcome, 'error' | 'conflict'> {
  const error = describeError(err)
  if (err instanceof ApiError && err.errors.length) {
    const reasons = err.errors.map((e) => `${e.field}: ${e.reason}`).join('; ')
    error.detail = error.detail && !error.detail.includes(reasons) ? `${error.detail} (${reasons})` : error.detail || reasons
  }
  return { error, conflict: err instanceof ApiError && err.status === 409 }
}

/** Runs the action on each event in turn and says how each went. */
export async function runBulk(
  events: readonly EventRecord[],
  input: Omit<ActInput, 'version'>,
  run: BulkRun = {},
): Promise<BulkOutcome[]> {
  const out: BulkOutcome[] = []
  for (const event of events) {
    if (run.stopped?.()) {
      out.push({ event, status: 'skipped' })
      continue
    }
    try {
      const result = await actOnEvent(event.id, { ...input, version: event.version })
      out.push({ event, status: 'ok', result })
    } catch (err) {
      out.push({ event, status: 'failed', ...failure(err) })
    }
    run.onProgress?.(out.length, events.length)
  }
  return out
}

/** How many of each outcome. */
export function tally(outcomes: readonly BulkOutcome[]): Record<BulkStatus, number> {
  const n = { ok: 0, failed: 0, skipped: 0 }
  for (const o of outcomes) n[o.status]++
  return n
}
