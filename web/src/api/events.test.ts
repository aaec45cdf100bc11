import { describe, expect, it } from 'vitest'
import { makeDetail, makeEvent } from '../pages/events/fixtures'
import { jsonResponse, problemResponse, routeFetch, sentRequest, stubFetch } from '../test/http'
import { ApiError, setCsrfToken } from './client'
import { EVENT_ACTIONS, NOTE_REQUIRED, actOnEvent, eventStats, findEvent, getEvent, listEvents, reportEvent, reportSources } from './events'

describe('events API', () => {
  it('offers the sources the server accepts from each role, the default first', () => {
    expect(reportSources('center')).toEqual(['hotline', 'sensor'])
    expect(reportSources('admin')).toEqual(['hotline', 'sensor'])
    expect(reportSources('worker')).toEqual(['worker'])
    expect(reportSources('department')).toEqual(['department'])
    expect(reportSources('resident')).toEqual(['resident'])
    expect(reportSources('leader')).toEqual([])
  })

  it('reports an event with the phone in the body only, and reads the similar ones', async () => {
    setCsrfToken('tok')
    const mock = stubFetch(jsonResponse(201, { event: makeEvent(), similar: null }, { Location: '/api/v1/events/11' }))
    const filed = await reportEvent({
      category_code: 'city_appearance.exposed_garbage',
      title: '路口垃圾',
      lng: 124.805,
      lat: 46.105,
      reporter_phone: '13612345678',
    })
    const req = sentRequest(mock)
    expect(req.method).toBe('POST')
    expect(req.url).toBe('/api/v1/events')
    expect(req.url).not.toContain('136')
    expect(req.headers.get('X-CSRF-Token')).toBe('tok')
    expect(req.body).toMatchObject({ reporter_phone: '13612345678', lng: 124.805 })
    expect(filed.event.code).toBe('2026060199010100001')
    expect(filed.similar).toEqual([])
  })

  it('lists a queue with the filters in the query, and pages by next_after', async () => {
    const { calls } = routeFetch({
      'GET /api/v1/events': [
        { items: [makeEvent()], next_after: 11 },
        { items: null },
      ],
    })
    const first = await listEvents({ queue: 'to_dispatch', category: 'city_appearance', region: '', q: '垃圾', limit: 20 })
    expect(first.next_after).toBe(11)
    expect(first.items).toHaveLength(1)
    const last = await listEvents({ queue: 'to_dispatch', after: 11, limit: 20 })
    expect(last).toEqual({ items: [] })
    expect(calls.map((c) => c.url)).toEqual([
      `/api/v1/events?queue=to_dispatch&category=city_appearance&q=${encodeURIComponent('垃圾')}&limit=20`,
      '/api/v1/events?queue=to_dispatch&after=11&limit=20',
    ])
  })

  it('reads one event with its history and actions, empty lists for none', async () => {
    stubFetch(jsonResponse(200, { ...makeDetail(), actions: null, history: null }))
    const d = await getEvent(11)
    expect(d.actions).toEqual([])
    expect(d.history).toEqual([])
  })

  it('acts with the version seen, and raises a conflict as an ApiError with the field', async () => {
    const mock = stubFetch(
      jsonResponse(200, makeEvent({ state: 'registered', version: 2, actions: ['dispatch'] })),
      problemResponse(409, {
        code: 'conflict',
        title: 'Conflict',
        detail: 'event 2026060199010100001 changed meanwhile (version 3, you saw 2); reload it',
        errors: [{ field: 'version', reason: 'is stale' }],
      }),
    )
    const e = await actOnEvent(11, { action: 'register', version: 1 })
    expect(e.state).toBe('registered')
    expect(sentRequest(mock).url).toBe('/api/v1/events/11/actions')
    expect(sentRequest(mock).body).toEqual({ action: 'register', version: 1 })
    const err = await actOnEvent(11, { action: 'dispatch', version: 2 }).catch((x: unknown) => x)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).status).toBe(409)
    expect((err as ApiError).fieldReason('version')).toBe('is stale')
  })

  it('asks for the measures of a region and months', async () => {
    const mock = stubFetch(jsonResponse(200, { region: '990100', from: '2026-01', to: '2026-06', category: '*', counts: {}, rates: {} }))
    await eventStats({ region: '990100', from: '2026-01', to: '2026-06' })
    expect(sentRequest(mock).url).toBe('/api/v1/stats/events?region=990100&from=2026-01&to=2026-06')
  })

  it('finds an event by its code through the list, or by its number directly', async () => {
    const { calls } = routeFetch({
      'GET /api/v1/events': { items: [makeEvent({ id: 5, code: '2026060199010100002' })] },
      'GET /api/v1/events/5': makeDetail({ id: 5 }),
    })
    expect((await findEvent(' 2026060199010100002 '))?.id).toBe(5)
    expect(await findEvent('2026060199010100009')).toBeUndefined()
    expect((await findEvent('5'))?.id).toBe(5)
    expect(calls.map((c) => c.url)).toEqual([
      '/api/v1/events?q=2026060199010100002&limit=5',
      '/api/v1/events?q=2026060199010100009&limit=5',
      '/api/v1/events/5',
    ])
  })

  it('knows which actions need a note, as the state machine does', () => {
    expect([...NOTE_REQUIRED].every((a) => EVENT_ACTIONS.includes(a))).toBe(true)
    expect(NOTE_REQUIRED.has('feedback')).toBe(true)
    expect(NOTE_REQUIRED.has('register')).toBe(false)
  })
})
