import { afterEach, describe, expect, it } from 'vitest'
import { jsonResponse, problemResponse, sentRequest, stubFetch } from '../test/http'
import * as calendar from './calendar'
import { ApiError, setCsrfToken } from './client'

afterEach(() => setCsrfToken(''))

describe('calendar endpoints', () => {
  it('read the calendar and one year', async () => {
    const fetch = stubFetch(jsonResponse(200, { version: 3 }), jsonResponse(200, { year: 2026 }))
    expect((await calendar.fetchCalendar()).version).toBe(3)
    expect((await calendar.fetchCalendarYear(2026)).year).toBe(2026)
    expect(sentRequest(fetch, 0)).toMatchObject({ method: 'GET', url: '/api/v1/calendar' })
    expect(sentRequest(fetch, 1)).toMatchObject({ method: 'GET', url: '/api/v1/calendar/2026' })
  })

  it('change the settings and single dates with the version read and the CSRF token', async () => {
    setCsrfToken('tok')
    const fetch = stubFetch(jsonResponse(200, {}), jsonResponse(200, {}), jsonResponse(200, {}))
    const settings = { time_zone: 'Asia/Shanghai', periods: [{ start: '08:30', end: '12:00' }], weekend: [0, 6] }
    await calendar.updateCalendarConfig({ version: 3, ...settings })
    await calendar.setCalendarDay('2026-03-02', { version: 4, name: '停电', isOffDay: true })
    await calendar.deleteCalendarDay('2026-03-02', 5)
    expect(sentRequest(fetch, 0)).toMatchObject({ method: 'PUT', url: '/api/v1/calendar/config', body: { version: 3, ...settings } })
    expect(sentRequest(fetch, 0).headers.get('X-CSRF-Token')).toBe('tok')
    expect(sentRequest(fetch, 1)).toMatchObject({
      method: 'PUT',
      url: '/api/v1/calendar/days/2026-03-02',
      body: { version: 4, name: '停电', isOffDay: true },
    })
    expect(sentRequest(fetch, 2)).toMatchObject({ method: 'DELETE', url: '/api/v1/calendar/days/2026-03-02?version=5' })
  })

  it('upload a year file as a form with the version', async () => {
    const fetch = stubFetch(jsonResponse(200, { year: 2027, stored: true }))
    const file = new File(['{"year":2027,"days":[]}'], '2027.json', { type: 'application/json' })
    const res = await calendar.importCalendarYear(file, 6)
    expect(res.stored).toBe(true)
    const [url, init] = fetch.mock.calls[0]!
    expect(url).toBe('/api/v1/calendar/years')
    expect(init?.method).toBe('POST')
    const form = init?.body as FormData
    expect(form.get('version')).toBe('6')
    expect((form.get('file') as File).name).toBe('2027.json')
    expect(new Headers(init?.headers).has('Content-Type')).toBe(false)
  })

  it('ask for a deadline with the offset escaped', async () => {
    const fetch = stubFetch(jsonResponse(200, { deadline: '2026-10-08T03:00:00Z' }))
    await calendar.fetchDeadline('2026-09-30T16:00:00+08:00', 4, 'hours')
    expect(sentRequest(fetch).url).toBe('/api/v1/calendar/deadline?from=2026-09-30T16%3A00%3A00%2B08%3A00&amount=4&unit=hours')
  })

  it('raise a stale edit as a conflict naming the version', async () => {
    stubFetch(
      problemResponse(409, {
        title: 'Conflict',
        code: 'conflict',
        errors: [{ field: 'version', reason: 'is 3, the calendar is at 4' }],
      }),
    )
    const err = await calendar.setCalendarDay('2026-03-02', { version: 3, name: 'x', isOffDay: true }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).is('conflict')).toBe(true)
    expect((err as ApiError).fieldReason('version')).toContain('at 4')
  })
})
