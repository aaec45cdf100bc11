import { beforeEach, describe, expect, it, vi } from 'vitest'
import { emptyResponse, jsonResponse, makeMe, problemResponse, sentRequest, stubFetch } from './test/http'

// Each test gets its own copy of the session module and the API client's state.
async function freshSession() {
  return await import('./session')
}

beforeEach(() => {
  vi.resetModules()
})

describe('session', () => {
  it('learns who is signed in from /me once, and a 401 means nobody', async () => {
    const { loadSession, currentUser } = await freshSession()
    const fetch = stubFetch(problemResponse(401, { code: 'unauthorized' }))
    await expect(loadSession()).resolves.toBeNull()
    await expect(loadSession()).resolves.toBeNull()
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(currentUser.value).toBeNull()
  })

  it('keeps the user from login and sends the CSRF token on logout', async () => {
    const { loadSession, currentUser, signIn, signOut } = await freshSession()
    const fetch = stubFetch(
      jsonResponse(200, { token: 't', csrf_token: 'c-1', user: makeMe({ display_name: '李四' }) }),
      emptyResponse(),
    )
    await signIn({ username: 'lisi', password: 'pw' })
    expect(currentUser.value?.display_name).toBe('李四')
    await expect(loadSession()).resolves.toMatchObject({ display_name: '李四' })

    await signOut()
    expect(sentRequest(fetch, 1).headers.get('X-CSRF-Token')).toBe('c-1')
    expect(currentUser.value).toBeNull()
    await expect(loadSession()).resolves.toBeNull()
    expect(fetch).toHaveBeenCalledTimes(2)
  })

  it('refreshes the user after a change', async () => {
    const { refreshSession, currentUser } = await freshSession()
    stubFetch(jsonResponse(200, makeMe({ totp_enabled: false })), jsonResponse(200, makeMe({ totp_enabled: true })))
    await refreshSession()
    expect(currentUser.value?.totp_enabled).toBe(false)
    await refreshSession()
    expect(currentUser.value?.totp_enabled).toBe(true)
  })

  it('passes on errors other than 401, and asks again next time', async () => {
    const { loadSession } = await freshSession()
    stubFetch(problemResponse(500, { code: 'internal' }), jsonResponse(200, makeMe()))
    await expect(loadSession()).rejects.toMatchObject({ status: 500 })
    await expect(loadSession()).resolves.toMatchObject({ username: 'zhangsan' })
  })
})
