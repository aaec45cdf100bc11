// What the worker reads when the server refuses something: a sentence in
// the worker's language for the refusals the app knows, the server's own
// words only as a second line where they add something, and never the
// name of an API field.
import type { DeviceResponse } from './device'
import type { Draft } from './store'

export interface FieldError {
  field: string
  reason: string
}

/** A refusal as kept with a draft: enough to describe it again in any language. */
export interface Problem {
  /** 0 when the server could not be reached. */
  status: number
  /** The problem's code (invalid, conflict, …), or one the app gives its own failures. */
  code: string
  errors: FieldError[]
  detail: string
}

export interface ProblemText {
  /** A sentence in the worker's language. */
  title: string
  /** The server's words, when the sentence is a general one and they say more. */
  detail: string
  /** The input field the refusal names, for the screen to show it there. */
  field?: string
}

/** What the refusal was of: a draft kind, or a screen's own request. */
export type ProblemContext = 'check_in' | 'check_out' | 'bind' | 'login' | string

type T = (key: string, params?: Record<string, unknown>) => string
type Te = (key: string) => boolean

const CODES = ['invalid', 'not_found', 'conflict', 'unauthorized', 'forbidden', 'rate_limited', 'internal', 'unavailable']

function fieldErrors(value: unknown): FieldError[] {
  if (!Array.isArray(value)) return []
  return value.flatMap((e: unknown) => {
    if (typeof e !== 'object' || e === null) return []
    const { field, reason } = e as Record<string, unknown>
    return typeof field === 'string' && typeof reason === 'string' ? [{ field, reason }] : []
  })
}

/** The problem an answer carries. */
export function problemOf(res: DeviceResponse): Problem {
  const { status, body } = res
  return {
    status,
    code: typeof body.code === 'string' ? body.code : '',
    errors: fieldErrors(body.errors),
    detail: typeof body.detail === 'string' ? body.detail : '',
  }
}

/** A failure of the app's own, with a code of its own. */
export function localProblem(code: string): Problem {
  return { status: 0, code, errors: [], detail: '' }
}

/** The code of a problem, from its status when the body had none. */
function codeOf(p: Problem): string {
  if (p.code) return p.code
  switch (p.status) {
    case 400:
    case 422:
      return 'invalid'
    case 401:
      return 'unauthorized'
    case 403:
      return 'forbidden'
    case 404:
      return 'not_found'
    case 409:
      return 'conflict'
    case 429:
      return 'rate_limited'
    case 503:
      return 'unavailable'
  }
  return p.status >= 500 ? 'internal' : 'unknown'
}

/** The name of an input field on the worker's screens, or the field's group (points[3].at is of the track). */
function fieldKey(field: string): string | undefined {
  if (/^points(\[\d+\])?/.test(field)) return 'track'
  if (field === 'lng' || field === 'lat' || field === 'crs' || field === 'accuracy_m') return 'position'
  if (field === 'file' || field === 'Content-Type' || field.startsWith('photos')) return 'photos'
  const known = ['at', 'code', 'category_code', 'title', 'description', 'address', 'house_code', 'person_ids', 'purpose', 'notes', 'note', 'username', 'password']
  return known.includes(field) ? field : undefined
}

// The server words a refusal in the worker's language, so the app tells
// two refusals of one field apart by the values they print, which every
// wording keeps: only an expired bind code names a time (2026-06-01 08:00),
// only a check-out without its check-in names a bare day (2026-06-01, not
// an example time 2026-06-01T08:30 nor the day of a repeated one).
const expiryTime = /\d{4}-\d{2}-\d{2} \d{2}:\d{2}/
const bareDay = /\d{4}-\d{2}-\d{2}(?![\dT])/

/** Describes a refusal for the worker. */
export function describeProblem(p: Problem, t: T, te: Te, context: ProblemContext = ''): ProblemText {
  if (p.status === 0 && !p.code) return { title: t('problems.network'), detail: '' }
  if (p.code && te(`problems.local.${p.code}`)) return { title: t(`problems.local.${p.code}`), detail: '' }
  const code = codeOf(p)
  const first = p.errors[0]
  const field = first?.field ?? ''
  const known = (title: string, onField?: string): ProblemText => ({ title, detail: '', field: onField })

  if (field.startsWith('Gridgov-Signature')) return known(t(field.endsWith('.ts') ? 'problems.clock' : 'problems.device'))
  if (context === 'login' && code === 'unauthorized') return known(t('problems.credentials'))
  if (context === 'bind' && field === 'code') {
    return known(t(expiryTime.test(first!.reason) ? 'problems.codeExpired' : 'problems.codeInvalid'), 'code')
  }
  if (context === 'check_in' || context === 'check_out') {
    const what = t(context === 'check_in' ? 'home.checkIn' : 'home.checkOut')
    if (code === 'conflict' && field === 'at') return known(t('problems.alreadyChecked', { what }))
    if (context === 'check_out' && field === 'at' && code === 'invalid' && bareDay.test(first!.reason)) return known(t('problems.noCheckIn'))
    if (field === 'lng' || field === 'lat') return { title: t('problems.outsideGrid', { what }), detail: first!.reason }
  }
  if (field === 'version') return known(t('sync.stale'))
  if (field === 'patrol' && code === 'conflict') return known(t('problems.patrolOpenOrFinished'))
  if (field === 'seq') return known(t('problems.trackOrder'))
  if (/^points\[\d+\]\.at$/.test(field)) return known(t('problems.trackTime'))
  if (/^points\[\d+\]$/.test(field)) return known(t('problems.trackJump'))
  if (field === 'Idempotency-Key' && code === 'conflict') return known(t('problems.keyReused'))

  const general = t(`problems.codes.${CODES.includes(code) ? code : 'unknown'}`)
  const fk = field ? fieldKey(field) : undefined
  if (first) {
    const title = fk ? t('problems.field', { field: t(`problems.fields.${fk}`) }) : general
    return { title, detail: first.reason, field: fk && !['track', 'position', 'photos'].includes(fk) ? field : undefined }
  }
  return { title: general, detail: p.detail && p.detail !== general ? p.detail : '' }
}

/**
 * The text kept by drafts saved before refusals were kept whole: the
 * server's reason after "field: ", which is left out.
 */
export function legacyReason(lastError: string): string {
  if (lastError === 'offline') return ''
  return lastError.replace(/^[\w.[\]-]+: /, '')
}

/** Why a draft's last try failed, if it did. */
export function draftProblem(d: Pick<Draft, 'kind' | 'problem' | 'lastError'>, t: T, te: Te): ProblemText | undefined {
  if (d.problem) return describeProblem(d.problem, t, te, d.kind)
  if (!d.lastError) return undefined
  return { title: legacyReason(d.lastError) || t('problems.network'), detail: '' }
}
