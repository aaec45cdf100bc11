import { describe, expect, it } from 'vitest'
import { jsonResponse, problemResponse, sentRequest, stubFetch } from '../test/http'
import { ApiError } from '../api/client'
import * as api from './api'

describe('dashboard endpoints', () => {
  it('ask for the region and period given, and leave out what is not', async () => {
    const fetch = stubFetch(
      jsonResponse(200, { region: { code: '230600' }, path: [], children: [], trend: [] }),
      jsonResponse(200, { region: { code: '230602' } }),
      jsonResponse(200, { region: { code: '230602' } }),
      jsonResponse(200, { region: { code: '230602' } }),
      jsonResponse(200, { region: { code: '230602' } }),
    )
    await api.fetchPeople()
    await api.fetchPeople('230602')
    await api.fetchEvents('230602', { from: '2026-11-01', to: '2026-11-29' })
    await api.fetchOperations('230602', 14)
    await api.fetchEvents(undefined, {})
    expect(sentRequest(fetch, 0)).toMatchObject({ method: 'GET', url: '/api/v1/dashboard/people' })
    expect(sentRequest(fetch, 1).url).toBe('/api/v1/dashboard/people?region=230602')
    expect(sentRequest(fetch, 2).url).toBe('/api/v1/dashboard/events?region=230602&from=2026-11-01&to=2026-11-29')
    expect(sentRequest(fetch, 3).url).toBe('/api/v1/dashboard/operations?region=230602&idle_days=14')
    expect(sentRequest(fetch, 4).url).toBe('/api/v1/dashboard/events')
  })

  it('fetchPanel sends the period to the events panel only', async () => {
    const fetch = stubFetch(jsonResponse(200, {}), jsonResponse(200, {}), jsonResponse(200, {}))
    const period = { from: '2026-10-01', to: '2026-10-31' }
    await api.fetchPanel('people', '230602', period)
    await api.fetchPanel('events', '230602', period)
    await api.fetchPanel('operations', '230602', period)
    expect(fetch.mock.calls.map((c) => String(c[0]))).toEqual([
      '/api/v1/dashboard/people?region=230602',
      '/api/v1/dashboard/events?region=230602&from=2026-10-01&to=2026-10-31',
      '/api/v1/dashboard/operations?region=230602',
    ])
  })

  it('turn lists sent as null into empty lists', async () => {
    stubFetch(
      jsonResponse(200, { path: null, by_day: null, top_categories: null, overdue: null, supervised: null, hotspots: null, children: null, slowest_departments: null }),
      jsonResponse(200, { path: [], children: null, idle_grids: { days: 7, count: 0, items: null }, ranking: { month: '2026-11', counties: null, townships: null } }),
    )
    const events = await api.fetchEvents()
    expect(events.hotspots).toEqual([])
    expect(events.children).toEqual([])
    expect(events.overdue).toEqual([])
    const ops = await api.fetchOperations()
    expect(ops.idle_grids).toEqual({ days: 7, count: 0, items: [] })
    expect(ops.ranking).toEqual({ month: '2026-11', counties: [], townships: [] })
  })

  it('raise a region outside the scope as a forbidden ApiError', async () => {
    stubFetch(problemResponse(403, { title: 'Forbidden', code: 'forbidden', detail: 'region 230700 is outside your scope' }))
    const err = await api.fetchPeople('230700').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).status).toBe(403)
    expect((err as ApiError).is('forbidden')).toBe(true)
  })

  it('name the stream of a region', () => {
    expect(api.streamUrl()).toBe('/api/v1/dashboard/stream')
    expect(api.streamUrl('230602001')).toBe('/api/v1/dashboard/stream?region=230602001')
  })

  it('know which measures are rates', () => {
    expect(api.PANEL_MEASURES.events.filter(api.isRateMeasure)).toEqual(['closure_rate', 'on_time_rate', 'satisfaction_rate'])
    expect(api.PANEL_MEASURES.people.filter(api.isRateMeasure)).toEqual(['sampling_accuracy'])
    expect(api.PANEL_MEASURES.operations.filter(api.isRateMeasure)).toEqual(['attendance_rate', 'staffing_rate'])
  })
})
