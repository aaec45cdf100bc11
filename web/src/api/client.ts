// A small JSON client for the gridgov HTTP API. Errors come back as RFC 9457
// problem documents and are raised as ApiError.

export const PROBLEM_CODES = [
  'invalid',
  'not_found',
  'conflict',
  'unauthorized',
  'forbidden',
  'rate_limited',
  'otp_required',
  'internal',
  'unavailable',
] as const

export type ProblemCode = (typeof PROBLEM_CODES)[number]

export interface FieldError {
  field: string
  reason: string
}

export interface ProblemInit {
  status: number
  title: string
  detail?: string
  code?: string
  errors?: FieldError[]
  retryAfterSeconds?: number
  /** The whole decoded body, for endpoints that say more than a problem does. */
  body?: Record<string, unknown>
}

/** A failed API call. status is 0 when the server could not be reached. */
export class ApiError extends Error {
  readonly status: number
  readonly title: string
  readonly detail: string
  readonly code: string
  readonly errors: FieldError[]
  readonly retryAfterSeconds: number | undefined
  readonly body: Record<string, unknown>

  constructor(init: ProblemInit) {
    super(init.detail || init.title)
    this.name = 'ApiError'
    this.status = init.status
    this.title = init.title
    this.detail = init.detail ?? ''
    this.code = init.code ?? ''
    this.errors = init.errors ?? []
    this.retryAfterSeconds = init.retryAfterSeconds
    this.body = init.body ?? {}
  }

  is(code: ProblemCode): boolean {
    return this.code === code
  }

  /** The code when it is one the API documents. */
  get knownCode(): ProblemCode | undefined {
    return PROBLEM_CODES.find((c) => c === this.code)
  }

  /** The reason given for one input field, if the server named it. */
  fieldReason(field: string): string | undefined {
    return this.errors.find((e) => e.field === field)?.reason
  }
}

let csrfToken = ''
let acceptLanguage = ''

/** Remembers the token that must accompany every non-GET request. */
export function setCsrfToken(token: string): void {
  csrfToken = token
}

/** Sets the Accept-Language sent with each request. */
export function setAcceptLanguage(language: string): void {
  acceptLanguage = language
}

/** Reads a Retry-After header given either in seconds or as an HTTP date. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed)
  const at = Date.parse(trimmed)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, Math.ceil((at - now) / 1000))
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function fieldErrors(value: unknown): FieldError[] {
  if (!Array.isArray(value)) return []
  return value.flatMap((item: unknown) => {
    if (typeof item !== 'object' || item === null) return []
    const { field, reason } = item as Record<string, unknown>
    return typeof field === 'string' && typeof reason === 'string' ? [{ field, reason }] : []
  })
}

/** Turns a non-2xx response into an ApiError, reading a problem body when there is one. */
export async function problemFromResponse(response: Response): Promise<ApiError> {
  const retryAfterSeconds = parseRetryAfter(response.headers.get('Retry-After'))
  let body: Record<string, unknown> = {}
  const type = response.headers.get('Content-Type') ?? ''
  if (type.includes('json')) {
    try {
      const parsed: unknown = await response.json()
      if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>
    } catch {
      // A body that is not JSON leaves only the status to go on.
    }
  }
  return problemFromBody(response.status, response.statusText, body, retryAfterSeconds)
}

/** An ApiError from a decoded body (a problem document or anything else) and the status that came with it. */
export function problemFromBody(
  status: number,
  statusText: string,
  decoded: unknown,
  retryAfterSeconds?: number,
): ApiError {
  const body = typeof decoded === 'object' && decoded !== null ? (decoded as Record<string, unknown>) : {}
  return new ApiError({
    status: typeof body.status === 'number' ? body.status : status,
    title: stringField(body.title) ?? statusText,
    detail: stringField(body.detail),
    code: stringField(body.code),
    errors: fieldErrors(body.errors),
    retryAfterSeconds,
    body,
  })
}

/** The headers every API request carries: Accept, Accept-Language and, for all but GET, the CSRF token. */
export function baseHeaders(method: Method): Record<string, string> {
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' }
  if (acceptLanguage) headers['Accept-Language'] = acceptLanguage
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken
  return headers
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/**
 * Sends one request to the API and returns the decoded JSON body (undefined for 204).
 * A FormData body goes as multipart/form-data: the browser writes that
 * Content-Type itself, with the boundary, so it is not set here.
 */
export async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
  return (await send<T>(method, path, body)).body
}

/** Like request, and also says which 2xx status answered (201 created or 200 updated, say). */
export async function send<T>(method: Method, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const headers = baseHeaders(method)
  const multipart = body instanceof FormData
  if (body !== undefined && !multipart) headers['Content-Type'] = 'application/json'

  let response: Response
  try {
    response = await fetch(path, {
      method,
      headers,
      body: multipart ? body : body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    })
  } catch (cause) {
    throw new ApiError({ status: 0, title: cause instanceof Error ? cause.message : String(cause) })
  }
  if (!response.ok) throw await problemFromResponse(response)
  if (response.status === 204) return { status: 204, body: undefined as T }
  return { status: response.status, body: (await response.json()) as T }
}
