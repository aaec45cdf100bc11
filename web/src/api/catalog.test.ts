import { afterEach, describe, expect, it } from 'vitest'
import { emptyResponse, jsonResponse, problemResponse, sentRequest, stubFetch } from '../test/http'
import * as catalog from './catalog'
import { ApiError, setCsrfToken } from './client'

afterEach(() => setCsrfToken(''))

const page = { items: [], total: 0, page: 1, page_size: 50 }

describe('catalog endpoints', () => {
  it('list departments with only the filters given', async () => {
    const fetch = stubFetch(jsonResponse(200, page), jsonResponse(200, page))
    await catalog.listDepartments()
    await catalog.listDepartments({ q: '执法 队', level: 'township', active: false, page: 2, page_size: 20, region: '' })
    expect(sentRequest(fetch, 0).url).toBe('/api/v1/departments')
    expect(sentRequest(fetch, 1).url).toBe('/api/v1/departments?q=%E6%89%A7%E6%B3%95+%E9%98%9F&level=township&active=false&page=2&page_size=20')
  })

  it('create and change departments with the CSRF token', async () => {
    setCsrfToken('tok')
    const fetch = stubFetch(jsonResponse(201, {}), jsonResponse(200, {}))
    await catalog.createDepartment({ code: '230602-police', name: '萨尔图区公安分局', region_code: '230602' })
    await catalog.updateDepartment('230602-police', { version: 3, active: false })
    expect(sentRequest(fetch, 0)).toMatchObject({ method: 'POST', url: '/api/v1/departments' })
    expect(sentRequest(fetch, 0).headers.get('X-CSRF-Token')).toBe('tok')
    expect(sentRequest(fetch, 1)).toMatchObject({
      method: 'PATCH',
      url: '/api/v1/departments/230602-police',
      body: { version: 3, active: false },
    })
  })

  it('read the category tree and flatten it', async () => {
    const leaf = { code: 'dispute.neighbour', name: '邻里纠纷' }
    stubFetch(jsonResponse(200, { items: [{ code: 'dispute', name: '矛盾纠纷', children: [leaf] }] }))
    const tree = await catalog.fetchCategoryTree()
    expect(catalog.flattenTree(tree).map((n) => n.code)).toEqual(['dispute', 'dispute.neighbour'])
  })

  it('patch a category by its code', async () => {
    const fetch = stubFetch(jsonResponse(200, {}))
    await catalog.updateCategory('dispute.pets', { version: 2, yellow_at: 0.7 })
    expect(sentRequest(fetch)).toMatchObject({ method: 'PATCH', url: '/api/v1/categories/dispute.pets', body: { version: 2, yellow_at: 0.7 } })
  })

  it('delete a rule at the version read, and resolve a route', async () => {
    const fetch = stubFetch(emptyResponse(), jsonResponse(200, { matched: false, assisting: [] }))
    await catalog.deleteRule(7, 2)
    const res = await catalog.resolveRoute('safety.gas', '230602001')
    expect(res.matched).toBe(false)
    expect(sentRequest(fetch, 0)).toMatchObject({ method: 'DELETE', url: '/api/v1/routing-rules/7?version=2' })
    expect(sentRequest(fetch, 1).url).toBe('/api/v1/routing-rules/resolve?category=safety.gas&region=230602001')
  })

  it('raise the server field errors', async () => {
    stubFetch(problemResponse(409, { code: 'conflict', errors: [{ field: 'version', reason: 'is 1, the rule is at 2' }] }))
    const err = await catalog.updateRule(7, { version: 1, note: 'x' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).fieldReason('version')).toBe('is 1, the rule is at 2')
  })
})
