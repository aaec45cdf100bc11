import type { NavigationGuardWithThis, RouteLocationRaw, RouteLocationResolved } from 'vue-router'
import type { Me } from '../api/types'

/** Names of the routes the guard sends people to. */
export const ROUTE = {
  login: 'login',
  changePassword: 'change-password',
  totpEnroll: 'totp-enroll',
  home: 'home',
  screen: 'screen',
} as const

/** Keeps a ?redirect= target only when it is a path inside this app. */
export function safeRedirect(value: unknown): string | undefined {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') ? value : undefined
}

/** Whether the user's role may open a route that names the roles it is for. */
export function mayOpen(to: Pick<RouteLocationResolved, 'meta'>, user: Me | null): boolean {
  const roles = to.meta.roles
  return !roles || (user !== null && roles.includes(user.role))
}

/**
 * Where a navigation may go, given who is signed in: nowhere but the login page
 * for nobody, and nowhere but the password or TOTP page for a user who must
 * first change the password or enrol in TOTP.
 */
export function decide(
  to: Pick<RouteLocationResolved, 'name' | 'meta' | 'fullPath'>,
  user: Me | null,
): true | RouteLocationRaw {
  if (!user) {
    if (to.meta.public) return true
    return to.fullPath === '/' ? { name: ROUTE.login } : { name: ROUTE.login, query: { redirect: to.fullPath } }
  }
  // A big-screen terminal shows the big screen and nothing else.
  if (user.display) return to.name === ROUTE.screen ? true : { name: ROUTE.screen }
  if (user.must_change_password) return to.name === ROUTE.changePassword ? true : { name: ROUTE.changePassword }
  if (user.restricted) return to.name === ROUTE.totpEnroll ? true : { name: ROUTE.totpEnroll }
  if (to.name === ROUTE.login || to.name === ROUTE.changePassword || to.name === ROUTE.totpEnroll) {
    return { name: ROUTE.home }
  }
  if (!mayOpen(to, user)) return { name: ROUTE.home }
  return true
}

/**
 * A guard that learns who is signed in and then applies decide(). When the
 * server cannot say, the visitor is treated as signed out: the login page then
 * reports what is wrong on the next attempt.
 */
export function sessionGuard(loadUser: () => Promise<Me | null>): NavigationGuardWithThis<undefined> {
  return async (to) => decide(to, await loadUser().catch(() => null))
}
