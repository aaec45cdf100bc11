import { afterEach, describe, expect, it } from 'vitest'
import { emptyResponse, jsonResponse, makeMe, problemResponse, sentRequest, stubFetch } from '../test/http'
import * as auth from './auth'
import { ApiError, parseRetryAfter, request, setCsrfToken } from './client'

afterEach(() => setCsrfToken(''))

describe('request', () => {
  it('sends JSON and the CSRF token from /me on a POST', async () => {
    const fetch = stubFetch(jsonResponse(200, makeMe({ csrf_token: 'tok-123' })), emptyResponse())
    await auth.fetchMe()
    await auth.changePassword({ current_password: 'old', new_password: 'new-secret' })

    const get = sentRequest(fetch, 0)
    expect(get.method).toBe('GET')
    expect(get.url).toBe('/api/v1/me')
    expect(get.headers.has('X-CSRF-Token')).toBe(false)

    const post = sentRequest(fetch, 1)
    expect(post.method).toBe('POST')
    expect(post.url).toBe('/api/v1/me/password')
    expect(post.headers.get('X-CSRF-Token')).toBe('tok-123')
    expect(post.headers.get('Content-Type')).toBe('application/json')
    expect(post.body).toEqual({ current_password: 'old', new_password: 'new-secret' })
  })

  it('uses the CSRF token from the login response, and forgets it after logout', async () => {
    const fetch = stubFetch(
      jsonResponse(200, { token: 't', csrf_token: 'login-csrf', user: makeMe() }),
      emptyResponse(),
      emptyResponse(),
    )
    const user = await auth.login({ username: 'zhangsan', password: 'pw' })
    expect(user.display_name).toBe('张三')
    expect(sentRequest(fetch, 0).body).toEqual({ username: 'zhangsan', password: 'pw' })

    await auth.logout()
    expect(sentRequest(fetch, 1).url).toBe('/api/v1/auth/logout')
    expect(sentRequest(fetch, 1).headers.get('X-CSRF-Token')).toBe('login-csrf')

    await request('POST', '/api/v1/anything', {})
    expect(sentRequest(fetch, 2).headers.has('X-CSRF-Token')).toBe(false)
  })

  it('returns undefined for 204 and the decoded body for 200', async () => {
    stubFetch(emptyResponse(204), jsonResponse(200, { secret: 'ABC', otpauth_url: 'otpauth://totp/x' }))
    await expect(auth.confirmTotp('123456')).resolves.toBeUndefined()
    await expect(auth.enrollTotp()).resolves.toEqual({ secret: 'ABC', otpauth_url: 'otpauth://totp/x' })
  })

  it('treats a 401 on logout as already logged out', async () => {
    const fetch = stubFetch(problemResponse(401, { title: 'Unauthorized', code: 'unauthorized' }), emptyResponse())
    setCsrfToken('stale')
    await expect(auth.logout()).resolves.toBeUndefined()
    await request('POST', '/api/v1/anything')
    expect(sentRequest(fetch, 1).headers.has('X-CSRF-Token')).toBe(false)
  })
})

describe('problem responses', () => {
  it('become an ApiError with status, title, detail, code and field errors', async () => {
    stubFetch(
      problemResponse(400, {
        title: 'Bad Request',
        detail: 'invalid input',
        code: 'invalid',
        errors: [
          { field: 'new_password', reason: 'must be at least 12 characters' },
          { field: 'ignored-without-reason' },
        ],
      }),
    )
    const err = await auth.changePassword({ current_password: 'a', new_password: 'b' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    const problem = err as ApiError
    expect(problem.status).toBe(400)
    expect(problem.title).toBe('Bad Request')
    expect(problem.detail).toBe('invalid input')
    expect(problem.code).toBe('invalid')
    expect(problem.is('invalid')).toBe(true)
    expect(problem.knownCode).toBe('invalid')
    expect(problem.errors).toEqual([{ field: 'new_password', reason: 'must be at least 12 characters' }])
    expect(problem.fieldReason('new_password')).toBe('must be at least 12 characters')
    expect(problem.fieldReason('current_password')).toBeUndefined()
    expect(problem.message).toBe('invalid input')
  })

  it('carries Retry-After seconds on 429', async () => {
    stubFetch(
      problemResponse(
        429,
        { title: 'Too Many Requests', code: 'rate_limited', detail: 'too many failed logins' },
        { 'Retry-After': '42' },
      ),
    )
    const err = (await auth.login({ username: 'u', password: 'p' }).catch((e: unknown) => e)) as ApiError
    expect(err.status).toBe(429)
    expect(err.is('rate_limited')).toBe(true)
    expect(err.retryAfterSeconds).toBe(42)
  })

  it('keeps the status of a response that is not a problem document', async () => {
    stubFetch(new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }))
    const err = (await request('GET', '/api/v1/me').catch((e: unknown) => e)) as ApiError
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(502)
    expect(err.title).toBe('Bad Gateway')
    expect(err.code).toBe('')
    expect(err.knownCode).toBeUndefined()
    expect(err.errors).toEqual([])
  })

  it('reports an unreachable server as status 0', async () => {
    const fetch = stubFetch()
    fetch.mockRejectedValueOnce(new TypeError('Failed to fetch'))
    const err = (await request('GET', '/api/v1/me').catch((e: unknown) => e)) as ApiError
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(0)
  })
})

describe('parseRetryAfter', () => {
  it('reads seconds', () => {
    expect(parseRetryAfter('120')).toBe(120)
    expect(parseRetryAfter(' 5 ')).toBe(5)
  })

  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2026-03-01T08:00:00Z')
    expect(parseRetryAfter('Sun, 01 Mar 2026 08:01:30 GMT', now)).toBe(90)
    expect(parseRetryAfter('Sun, 01 Mar 2026 07:00:00 GMT', now)).toBe(0)
  })

  it('ignores a missing or unreadable header', () => {
    expect(parseRetryAfter(null)).toBeUndefined()
    expect(parseRetryAfter('')).toBeUndefined()
    expect(parseRetryAfter('soon')).toBeUndefined()
  })
})
