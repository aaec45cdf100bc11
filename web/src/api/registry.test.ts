import { afterEach, describe, expect, it } from 'vitest'
import { jsonResponse, problemResponse, sentRequest, stubFetch } from '../test/http'
import { ID_NUMBER, PHONE, makeHouse, makeHouseDetail, makePerson } from '../test/registry'
import { ApiError, setCsrfToken } from './client'
import * as registry from './registry'

afterEach(() => setCsrfToken(''))

describe('searchPersons', () => {
  it('posts the query as JSON with the CSRF token, numbers in the body and never in the URL', async () => {
    setCsrfToken('csrf-search')
    const fetch = stubFetch(jsonResponse(200, { items: [makePerson()], next_after: 42 }))
    const page = await registry.searchPersons({ id_number: ID_NUMBER, phone: PHONE, age_min: 60, limit: 20 })

    const req = sentRequest(fetch)
    expect(req.method).toBe('POST')
    expect(req.url).toBe('/api/v1/persons/search')
    expect(req.url).not.toContain(ID_NUMBER)
    expect(req.url).not.toContain(PHONE)
    expect(req.headers.get('X-CSRF-Token')).toBe('csrf-search')
    expect(req.headers.get('Content-Type')).toBe('application/json')
    expect(req.body).toEqual({ id_number: ID_NUMBER, phone: PHONE, age_min: 60, limit: 20 })
    expect(page.items.map((p) => p.id)).toEqual([42])
    expect(page.next_after).toBe(42)
  })

  it('leaves out what is empty, keeps an age of 0, and sends nothing for a blank query', async () => {
    const fetch = stubFetch(jsonResponse(200, { items: [] }), jsonResponse(200, { items: [] }))
    await registry.searchPersons({ name: '', tag: undefined, age_min: 0, age_max: Number.NaN, after: 9 })
    expect(sentRequest(fetch, 0).body).toEqual({ age_min: 0, after: 9 })
    await registry.searchPersons({})
    expect(sentRequest(fetch, 1).body).toEqual({})
  })

  it('reads a null list and a missing next page as none', async () => {
    stubFetch(jsonResponse(200, { items: null }))
    expect(await registry.searchPersons({})).toEqual({ items: [] })
  })

  it('raises the reason given for a field', async () => {
    stubFetch(
      problemResponse(400, {
        code: 'invalid',
        detail: 'invalid input',
        errors: [{ field: 'id_number', reason: 'check digit should be X, not 1' }],
      }),
    )
    const err = await registry.searchPersons({ id_number: '230602195604120031' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).fieldReason('id_number')).toBe('check digit should be X, not 1')
  })
})

describe('getPerson and revealPerson', () => {
  it('fetch a person by id', async () => {
    const fetch = stubFetch(jsonResponse(200, makePerson({ houses: null as never, groups: null as never })))
    const p = await registry.getPerson(42)
    expect(sentRequest(fetch).url).toBe('/api/v1/persons/42')
    expect(sentRequest(fetch).method).toBe('GET')
    expect(p.houses).toEqual([])
    expect(p.groups).toEqual([])
  })

  it('post the purpose of a reveal and return the person unmasked', async () => {
    setCsrfToken('csrf-reveal')
    const until = '2026-11-29T10:10:00Z'
    const fetch = stubFetch(
      jsonResponse(200, makePerson({ id_number: ID_NUMBER, phone: PHONE, revealed: true, reveal_expires_at: until })),
    )
    const p = await registry.revealPerson(42, '核实低保申请')
    const req = sentRequest(fetch)
    expect(req.method).toBe('POST')
    expect(req.url).toBe('/api/v1/persons/42/reveal')
    expect(req.headers.get('X-CSRF-Token')).toBe('csrf-reveal')
    expect(req.body).toEqual({ purpose: '核实低保申请' })
    expect(p).toMatchObject({ id_number: ID_NUMBER, phone: PHONE, revealed: true, reveal_expires_at: until })
  })

  it('raise a refusal to reveal as forbidden', async () => {
    stubFetch(problemResponse(403, { code: 'forbidden', detail: 'you may not reveal personal numbers' }))
    const err = await registry.revealPerson(42, '入户核实').catch((e: unknown) => e)
    expect((err as ApiError).is('forbidden')).toBe(true)
  })
})

describe('savePerson', () => {
  const input = {
    name: '刘凤芝',
    id_number: ID_NUMBER,
    phone: PHONE,
    residence_type: 'registered',
    household_no: '',
    relation: 'head',
    houses: [{ house_code: 'H-100', relation: 'lives' }],
    tags: [{ tag: 'empty_nest', since: '2024-01-01' }],
  }

  it('says whether the person was created (201) or updated (200)', async () => {
    const fetch = stubFetch(jsonResponse(201, makePerson()), jsonResponse(200, makePerson()))
    expect((await registry.savePerson(input)).created).toBe(true)
    const again = await registry.savePerson({ ...input, grid_code: '990101001001001' })
    expect(again.created).toBe(false)
    expect(again.item.id).toBe(42)

    expect(sentRequest(fetch, 0).url).toBe('/api/v1/persons')
    expect(sentRequest(fetch, 0).method).toBe('POST')
    expect(sentRequest(fetch, 0).body).toEqual(input)
    expect(sentRequest(fetch, 1).body).toEqual({ ...input, grid_code: '990101001001001' })
  })

  it('leaves out an empty grid code, which the server takes from the house', async () => {
    const fetch = stubFetch(jsonResponse(201, makePerson()))
    await registry.savePerson({ ...input, grid_code: '' })
    expect(sentRequest(fetch).body).not.toHaveProperty('grid_code')
  })
})

describe('houses', () => {
  it('list the houses of the scope, with the filters and the page in the query', async () => {
    const fetch = stubFetch(
      jsonResponse(200, { items: [makeHouse()], next_after: 7 }),
      jsonResponse(200, { items: [], next_after: 0 }),
    )
    const first = await registry.listHouses()
    expect(sentRequest(fetch, 0).url).toBe('/api/v1/houses')
    expect(first).toEqual({ items: [makeHouse()], next_after: 7 })

    const next = await registry.listHouses({ region: '990101', usage: 'rented', after: 7, limit: 50 })
    expect(sentRequest(fetch, 1).url).toBe('/api/v1/houses?region=990101&usage=rented&after=7&limit=50')
    expect(next).toEqual({ items: [] })
  })

  it('fetch a house with its occupants, encoding the code', async () => {
    const fetch = stubFetch(jsonResponse(200, makeHouseDetail({ code: 'A/B 1', occupants: null as never })))
    const h = await registry.getHouse('A/B 1')
    expect(sentRequest(fetch).url).toBe('/api/v1/houses/A%2FB%201')
    expect(h.occupants).toEqual([])
  })

  it('save a house: a location goes with its CRS, empty fields stay out', async () => {
    setCsrfToken('csrf-house')
    const fetch = stubFetch(jsonResponse(201, makeHouse()), jsonResponse(200, makeHouse()))
    const created = await registry.saveHouse({
      house_code: 'H-100',
      estate: '友谊小区',
      building: '',
      unit: '',
      room: '101',
      address: '',
      lng: 124.9,
      lat: 46.5,
      crs: 'gcj02',
      grid_code: '',
      usage: 'rented',
      structure: '',
    })
    expect(created.created).toBe(true)
    const req = sentRequest(fetch, 0)
    expect(req.url).toBe('/api/v1/houses')
    expect(req.headers.get('X-CSRF-Token')).toBe('csrf-house')
    expect(req.body).toEqual({
      house_code: 'H-100',
      estate: '友谊小区',
      room: '101',
      lng: 124.9,
      lat: 46.5,
      crs: 'gcj02',
      usage: 'rented',
    })

    const updated = await registry.saveHouse({
      house_code: 'H-100',
      estate: '',
      building: '',
      unit: '',
      room: '',
      address: '',
      grid_code: '990101001001001',
      usage: 'vacant',
      structure: '砖混',
      floor_area_m2: 86.5,
    })
    expect(updated.created).toBe(false)
    expect(sentRequest(fetch, 1).body).toEqual({
      house_code: 'H-100',
      grid_code: '990101001001001',
      usage: 'vacant',
      structure: '砖混',
      floor_area_m2: 86.5,
    })
  })
})
