import { describe, expect, it, vi } from 'vitest'
import { jsonResponse, problemResponse, sentRequest, stubFetch } from '../test/http'
import { ApiError, setCsrfToken } from '../api/client'
import { fetchProfile, follow, myEvents, myNotices, nearby, onUnauthorized, rate, report, sendCode, setGrid, signIn, unfollow, uploadPhoto } from './api'
import { errorText, i18n } from './i18n'

describe('resident API', () => {
  it('asks for a code with the phone in the body, never the URL', async () => {
    const mock = stubFetch(jsonResponse(200, { expires_at: '2026-06-01T00:05:00Z', resend_at: '2026-06-01T00:01:00Z' }))
    const sent = await sendCode('13812345678')
    const req = sentRequest(mock)
    expect(req.method).toBe('POST')
    expect(req.url).toBe('/api/v1/resident/codes')
    expect(req.body).toEqual({ phone: '13812345678' })
    expect(sent.resend_at).toBe('2026-06-01T00:01:00Z')
  })

  it('signs in and keeps the CSRF token for later writes', async () => {
    const mock = stubFetch(
      jsonResponse(200, { token: 't', csrf_token: 'csrf-1', user: { id: 3, role: 'resident' } }),
      jsonResponse(200, { event_id: 9, following: true, followers: 2 }),
    )
    const me = await signIn('13812345678', '123456')
    expect(me.role).toBe('resident')
    expect(sentRequest(mock).body).toEqual({ phone: '13812345678', code: '123456' })
    const f = await follow(9)
    expect(f.followers).toBe(2)
    const req = sentRequest(mock, 1)
    expect(req.url).toBe('/api/v1/resident/follows/9')
    expect(req.headers.get('X-CSRF-Token')).toBe('csrf-1')
  })

  it('turns a refused code into a problem naming the field, and says it in the user’s words', async () => {
    stubFetch(problemResponse(400, { code: 'invalid', detail: 'invalid input', errors: [{ field: 'code', reason: 'has expired; ask for a new code' }] }))
    const err = await signIn('13812345678', '000000').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).fieldReason('code')).toContain('expired')
    i18n.global.locale.value = 'zh-CN'
    expect(errorText(err)).toBe('验证码已过期，请重新获取')
    i18n.global.locale.value = 'en'
    expect(errorText(err)).toBe('The code has expired; get a new one')
    i18n.global.locale.value = 'zh-CN'
  })

  it('reads Retry-After on a refused resend', async () => {
    stubFetch(problemResponse(429, { code: 'rate_limited', detail: 'wait' }, { 'Retry-After': '42' }))
    const err = (await sendCode('13812345678').catch((e: unknown) => e)) as ApiError
    expect(err.retryAfterSeconds).toBe(42)
    expect(errorText(err)).toBe('操作太频繁，请 42 秒后再试')
  })

  it('looks for nearby reports with the category and point in the query', async () => {
    const mock = stubFetch(jsonResponse(200, { items: null }))
    expect(await nearby('city_appearance.exposed_garbage', 124.9, 46.5)).toEqual([])
    const url = new URL(sentRequest(mock).url, 'http://x')
    expect(url.pathname).toBe('/api/v1/resident/nearby')
    expect(Object.fromEntries(url.searchParams)).toEqual({ category: 'city_appearance.exposed_garbage', lng: '124.9', lat: '46.5' })
  })

  it('reports as a resident and uploads the photo as multipart', async () => {
    setCsrfToken('c')
    const mock = stubFetch(jsonResponse(201, { event: { id: 5, code: 'E5', state: 'reported', grid_code: 'g' } }), jsonResponse(201, {}))
    const filed = await report({ category_code: 'x', title: 't', description: 'd', address: '幸福路' })
    expect(filed.event.id).toBe(5)
    expect(sentRequest(mock).body).toEqual({ category_code: 'x', title: 't', description: 'd', address: '幸福路', source: 'resident' })
    await uploadPhoto(5, new Blob(['jpeg'], { type: 'image/jpeg' }))
    const [url, init] = mock.mock.calls[1]!
    expect(url).toBe('/api/v1/events/5/attachments')
    expect(init?.body).toBeInstanceOf(FormData)
    expect((init?.body as FormData).get('file')).toBeInstanceOf(Blob)
    expect(new Headers(init?.headers).get('Content-Type')).toBeNull()
  })

  it('rates with the version seen, unfollows, sets the grid, and reads lists that may be null', async () => {
    const mock = stubFetch(
      jsonResponse(200, {}),
      jsonResponse(200, { event_id: 5, following: false, followers: 0 }),
      jsonResponse(200, { phone: '138****5678', grid: null }),
      jsonResponse(200, { items: null }),
      jsonResponse(200, { grid_chosen: false, items: null }),
    )
    await rate(5, 7, 'satisfied')
    expect(sentRequest(mock).body).toEqual({ action: 'rate', version: 7, rating: 'satisfied' })
    await unfollow(5)
    expect(sentRequest(mock, 1).method).toBe('DELETE')
    await setGrid({ grid_code: '230602001001001' })
    expect(sentRequest(mock, 2)).toMatchObject({ method: 'PUT', body: { grid_code: '230602001001001' } })
    expect((await myEvents()).items).toEqual([])
    expect(await myNotices()).toEqual({ grid_chosen: false, items: [] })
  })

  it('tells the app when the session has ended, and still fails the call', async () => {
    const ended = vi.fn()
    onUnauthorized(ended)
    stubFetch(problemResponse(401, { code: 'unauthorized', detail: 'session expired or logged out' }), problemResponse(403, { code: 'forbidden' }))
    const err = await fetchProfile().catch((e: unknown) => e)
    expect((err as ApiError).status).toBe(401)
    expect(ended).toHaveBeenCalledTimes(1)
    await fetchProfile().catch(() => undefined)
    expect(ended).toHaveBeenCalledTimes(1)
    onUnauthorized(null)
  })
})
