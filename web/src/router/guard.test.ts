import { describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import type { Me } from '../api/types'
import { makeMe } from '../test/http'
import { ROUTE, decide, safeRedirect, sessionGuard } from './guard'
import { routes } from './routes'

function routerFor(loadUser: () => Promise<Me | null>): Router {
  const router = createRouter({ history: createMemoryHistory(), routes })
  router.beforeEach(sessionGuard(loadUser))
  return router
}

async function landing(router: Router, path: string): Promise<string> {
  await router.push(path)
  return router.currentRoute.value.fullPath
}

describe('decide', () => {
  const route = (path: string) => createRouter({ history: createMemoryHistory(), routes }).resolve(path)

  it('sends visitors who are not signed in to the login page, remembering where they were going', () => {
    expect(decide(route('/me'), null)).toEqual({ name: ROUTE.login, query: { redirect: '/me' } })
    expect(decide(route('/'), null)).toEqual({ name: ROUTE.login })
    expect(decide(route('/login'), null)).toBe(true)
    expect(decide(route('/password'), null)).toEqual({ name: ROUTE.login, query: { redirect: '/password' } })
  })

  it('lets a signed-in user in, but not back to the login page', () => {
    const user = makeMe()
    expect(decide(route('/'), user)).toBe(true)
    expect(decide(route('/me'), user)).toBe(true)
    expect(decide(route('/login'), user)).toEqual({ name: ROUTE.home })
    expect(decide(route('/password'), user)).toEqual({ name: ROUTE.home })
    expect(decide(route('/totp'), user)).toEqual({ name: ROUTE.home })
  })

  it('holds a user who must change the password on the password page', () => {
    const user = makeMe({ must_change_password: true, restricted: true })
    expect(decide(route('/'), user)).toEqual({ name: ROUTE.changePassword })
    expect(decide(route('/me'), user)).toEqual({ name: ROUTE.changePassword })
    expect(decide(route('/totp'), user)).toEqual({ name: ROUTE.changePassword })
    expect(decide(route('/password'), user)).toBe(true)
  })

  it('opens the grid map to staff but not to residents', () => {
    for (const role of ['admin', 'center', 'department', 'worker', 'leader'] as const) {
      expect(decide(route('/map'), makeMe({ role })), role).toBe(true)
    }
    expect(decide(route('/map'), makeMe({ role: 'resident' }))).toEqual({ name: ROUTE.home })
    expect(decide(route('/me'), makeMe({ role: 'resident' }))).toBe(true)
    expect(decide(route('/map'), null)).toEqual({ name: ROUTE.login, query: { redirect: '/map' } })
  })

  it('holds a restricted user on the TOTP enrolment page', () => {
    const user = makeMe({ restricted: true })
    expect(decide(route('/'), user)).toEqual({ name: ROUTE.totpEnroll })
    expect(decide(route('/login'), user)).toEqual({ name: ROUTE.totpEnroll })
    expect(decide(route('/totp'), user)).toBe(true)
  })
})

describe('sessionGuard', () => {
  it('asks who is signed in and redirects to /login when nobody is', async () => {
    const loadUser = vi.fn(async () => null)
    const router = routerFor(loadUser)
    expect(await landing(router, '/me')).toBe('/login?redirect=/me')
    expect(loadUser).toHaveBeenCalled()
  })

  it('lets a signed-in user reach the console pages', async () => {
    const router = routerFor(async () => makeMe())
    expect(await landing(router, '/me')).toBe('/me')
    expect(router.currentRoute.value.name).toBe('me')
    expect(await landing(router, '/login')).toBe('/')
  })

  it('shows unknown paths inside the console as not found', async () => {
    const router = routerFor(async () => makeMe())
    await router.push('/no/such/page')
    expect(router.currentRoute.value.name).toBe('not-found')
  })

  it('treats a server that cannot answer as signed out', async () => {
    const router = routerFor(async () => {
      throw new Error('server down')
    })
    expect(await landing(router, '/')).toBe('/login')
  })

  it('sends a user who must change the password there first', async () => {
    const router = routerFor(async () => makeMe({ must_change_password: true }))
    expect(await landing(router, '/me')).toBe('/password')
  })
})

describe('safeRedirect', () => {
  it('keeps paths inside the app only', () => {
    expect(safeRedirect('/me?tab=1')).toBe('/me?tab=1')
    expect(safeRedirect('//evil.example/x')).toBeUndefined()
    expect(safeRedirect('https://evil.example/')).toBeUndefined()
    expect(safeRedirect(['/me'])).toBeUndefined()
    expect(safeRedirect(undefined)).toBeUndefined()
  })
})
