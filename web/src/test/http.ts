import { vi, type Mock } from 'vitest'
import type { Me } from '../api/types'

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  })
}

export function problemResponse(
  status: number,
  problem: Record<string, unknown>,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify({ type: 'about:blank', status, ...problem }), {
    status,
    headers: { 'Content-Type': 'application/problem+json', ...headers },
  })
}

export function emptyResponse(status = 204): Response {
  return new Response(null, { status })
}

/** Replaces fetch with a mock that answers with the given responses in turn. */
export function stubFetch(...responses: Response[]): Mock<typeof fetch> {
  const mock = vi.fn<typeof fetch>()
  for (const r of responses) mock.mockResolvedValueOnce(r)
  vi.stubGlobal('fetch', mock)
  return mock
}

/** The method, URL, headers and decoded JSON body of the nth call to a fetch mock. */
export function sentRequest(mock: Mock<typeof fetch>, n = 0) {
  const call = mock.mock.calls[n]
  if (!call) throw new Error(`fetch was called ${mock.mock.calls.length} times, wanted call ${n}`)
  const [url, init = {}] = call
  const headers = new Headers(init.headers)
  const body: unknown = typeof init.body === 'string' ? JSON.parse(init.body) : undefined
  return { url: String(url), method: init.method ?? 'GET', headers, body }
}

export function makeMe(overrides: Partial<Me> = {}): Me {
  return {
    id: 7,
    username: 'zhangsan',
    display_name: '张三',
    role: 'worker',
    scope: { kind: 'region', code: '230602', name: '萨尔图区' },
    totp_enabled: false,
    must_change_password: false,
    restricted: false,
    csrf_token: 'csrf-from-me',
    ...overrides,
  }
}

export interface SentCall {
  method: string
  url: string
  body: unknown
}

/**
 * Replaces fetch with one that answers by method and path ("GET
 * /api/v1/sampling/rounds", the query left out): a Response, a body for 200,
 * or a function of the request; a list answers with its entries in turn,
 * the last one again and again. Every request is kept in calls.
 */
export function routeFetch(routes: Record<string, unknown>): { mock: Mock<typeof fetch>; calls: SentCall[] } {
  const calls: SentCall[] = []
  const served = new Map<string, number>()
  const mock = vi.fn<typeof fetch>(async (input, init = {}) => {
    const url = String(input)
    const method = init.method ?? 'GET'
    const body: unknown = typeof init.body === 'string' ? JSON.parse(init.body) : undefined
    calls.push({ method, url, body })
    const key = `${method} ${url.split('?')[0]}`
    if (!(key in routes)) throw new Error(`unexpected request ${method} ${url}`)
    let answer = routes[key]
    if (Array.isArray(answer)) {
      const n = served.get(key) ?? 0
      served.set(key, n + 1)
      answer = answer[Math.min(n, answer.length - 1)]
    }
    if (typeof answer === 'function') answer = (answer as (c: SentCall) => unknown)({ method, url, body })
    return answer instanceof Response ? answer.clone() : jsonResponse(200, answer)
  })
  vi.stubGlobal('fetch', mock)
  return { mock, calls }
}
