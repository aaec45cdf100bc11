import { afterEach, describe, expect, it } from 'vitest'
import { jsonResponse, problemResponse, sentRequest, stubFetch } from '../test/http'
import * as apikeys from './apikeys'
import { ApiError, setCsrfToken } from './client'

afterEach(() => setCsrfToken(''))

const key = {
  id: 3,
  name: 'fixmystreet',
  prefix: 'gg_AbCdEfGh',
  created_by: 'admin',
  created_at: '2026-06-01T08:00:00Z',
  last_used_at: null,
  revoked_at: null,
}

describe('API key endpoints', () => {
  it('list the keys', async () => {
    const fetch = stubFetch(jsonResponse(200, { items: [key] }))
    expect(await apikeys.listApiKeys()).toEqual([key])
    expect(sentRequest(fetch)).toMatchObject({ method: 'GET', url: '/api/v1/api-keys' })
  })

  it('create a key with the CSRF token and return its secret', async () => {
    setCsrfToken('tok')
    const fetch = stubFetch(jsonResponse(201, { ...key, key: 'gg_secret' }))
    const created = await apikeys.createApiKey('fixmystreet')
    expect(created.key).toBe('gg_secret')
    expect(sentRequest(fetch)).toMatchObject({ method: 'POST', url: '/api/v1/api-keys', body: { name: 'fixmystreet' } })
    expect(sentRequest(fetch).headers.get('X-CSRF-Token')).toBe('tok')
  })

  it('revoke a key by id', async () => {
    const fetch = stubFetch(jsonResponse(200, { ...key, revoked_at: '2026-06-02T08:00:00Z' }))
    const revoked = await apikeys.revokeApiKey(3)
    expect(revoked.revoked_at).not.toBeNull()
    expect(sentRequest(fetch)).toMatchObject({ method: 'POST', url: '/api/v1/api-keys/3/revoke' })
  })

  it('raise the server refusal with the field it names', async () => {
    stubFetch(problemResponse(409, { code: 'conflict', detail: 'a live key with this name exists', errors: [{ field: 'name', reason: 'taken' }] }))
    const err = await apikeys.createApiKey('fixmystreet').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).fieldReason('name')).toBe('taken')
  })

  it('name the discovery document for an origin', () => {
    expect(apikeys.open311Discovery('https://grid.example.gov.cn')).toBe('https://grid.example.gov.cn/open311/v2/discovery.json')
  })
})
