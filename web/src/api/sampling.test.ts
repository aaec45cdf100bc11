import { afterEach, describe, expect, it } from 'vitest'
import { emptyResponse, jsonResponse, problemResponse, sentRequest, stubFetch } from '../test/http'
import { makePerson, makeRound, makeSample } from '../test/registry'
import { ApiError, setCsrfToken } from './client'
import * as sampling from './sampling'

afterEach(() => setCsrfToken(''))

describe('sampling API', () => {
  it('lists rounds with the filters in the query, and goes on from next_before', async () => {
    const fetch = stubFetch(
      jsonResponse(200, { items: [makeRound()], next_before: 3 }),
      jsonResponse(200, { items: null }),
    )
    const page = await sampling.listSamplingRounds({ month: '2026-06', region: '', before: 9, limit: 20 })
    expect(sentRequest(fetch).url).toBe('/api/v1/sampling/rounds?month=2026-06&before=9&limit=20')
    expect(page).toEqual({ items: [makeRound()], next_after: 3 })
    expect(await sampling.listSamplingRounds()).toEqual({ items: [] })
    expect(sentRequest(fetch, 1).url).toBe('/api/v1/sampling/rounds')
  })

  it('starts a round with a POST carrying the CSRF token', async () => {
    setCsrfToken('csrf-start')
    const fetch = stubFetch(jsonResponse(201, makeRound({ checked: 0, correct: 0, accuracy: 0 })))
    const round = await sampling.startSamplingRound({ month: '2026-06', region_code: '990101', per_grid: 5 })
    const req = sentRequest(fetch)
    expect(req.method).toBe('POST')
    expect(req.url).toBe('/api/v1/sampling/rounds')
    expect(req.headers.get('X-CSRF-Token')).toBe('csrf-start')
    expect(req.body).toEqual({ month: '2026-06', region_code: '990101', per_grid: 5 })
    expect(round.id).toBe(3)
  })

  it('raises a refused start naming the field', async () => {
    stubFetch(
      problemResponse(400, {
        code: 'invalid',
        errors: [{ field: 'month', reason: '990101 already has a sampling round for 2026-06' }],
      }),
    )
    const err = await sampling
      .startSamplingRound({ month: '2026-06', region_code: '990101', per_grid: 5 })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).fieldReason('month')).toContain('already has')
  })

  it('asks for the accuracy of a round, under a region when one is named', async () => {
    const rows = [{ code: '990101', name: '东区', level: 'county', sampled: 5, checked: 4, correct: 3, accuracy: 0.6 }]
    const fetch = stubFetch(jsonResponse(200, { items: rows }), jsonResponse(200, { items: null }))
    expect(await sampling.samplingAccuracy(3)).toEqual(rows)
    expect(sentRequest(fetch, 0).url).toBe('/api/v1/sampling/rounds/3/accuracy')
    expect(await sampling.samplingAccuracy(3, '990101001')).toEqual([])
    expect(sentRequest(fetch, 1).url).toBe('/api/v1/sampling/rounds/3/accuracy?region=990101001')
  })

  it('lists the pending items, mine only when asked, and reads null lists as empty', async () => {
    const fetch = stubFetch(
      jsonResponse(200, { items: [{ ...makeSample(), corrected: null }], next_after: 11 }),
      jsonResponse(200, { items: [] }),
    )
    const page = await sampling.listSamplingItems({ round: 3, mine: true, limit: 50 })
    expect(sentRequest(fetch, 0).url).toBe('/api/v1/sampling/items?round=3&mine=true&limit=50')
    expect(page.items[0]!.corrected).toEqual([])
    expect(page.next_after).toBe(11)
    await sampling.listSamplingItems({ mine: false, after: 11 })
    expect(sentRequest(fetch, 1).url).toBe('/api/v1/sampling/items?after=11')
  })

  it('reads an item with its record as it stands', async () => {
    const fetch = stubFetch(
      jsonResponse(200, { ...makeSample(), person: { ...makePerson(), houses: null, groups: null } }),
    )
    const detail = await sampling.getSamplingItem(11)
    expect(sentRequest(fetch).url).toBe('/api/v1/sampling/items/11')
    expect(detail.person?.houses).toEqual([])
    expect(detail.person?.groups).toEqual([])
    expect(detail.house).toBeUndefined()
  })

  it('posts a finding with its correction in the body', async () => {
    setCsrfToken('csrf-check')
    const fetch = stubFetch(emptyResponse(204))
    await sampling.checkSamplingItem(11, {
      result: 'incorrect',
      note: '户号有误',
      person: { version: 2, household_no: '0099' },
    })
    const req = sentRequest(fetch)
    expect(req.method).toBe('POST')
    expect(req.url).toBe('/api/v1/sampling/items/11')
    expect(req.headers.get('X-CSRF-Token')).toBe('csrf-check')
    expect(req.body).toEqual({ result: 'incorrect', note: '户号有误', person: { version: 2, household_no: '0099' } })
  })
})
