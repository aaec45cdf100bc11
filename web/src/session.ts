// The signed-in user. The session itself lives in an HttpOnly cookie, so the
// only way to know who is signed in is to ask GET /api/v1/me.
import { readonly, ref } from 'vue'
import { ApiError } from './api/client'
import * as auth from './api/auth'
import { createDisplay, type NewDisplay } from './api/displays'
import type { LoginRequest, Me } from './api/types'

const current = ref<Me | null>(null)
let known: Promise<Me | null> | null = null

/** The signed-in user, or null. Change it only through the functions below. */
export const currentUser = readonly(current)

function settle(me: Me | null): Me | null {
  current.value = me
  known = Promise.resolve(me)
  return me
}

/** Asks the server who is signed in; a 401 means nobody. */
export async function refreshSession(): Promise<Me | null> {
  try {
    return settle(await auth.fetchMe())
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return settle(null)
    throw err
  }
}

/** Like refreshSession, but asks the server only the first time. */
export function loadSession(): Promise<Me | null> {
  known ??= refreshSession().catch((err: unknown) => {
    known = null
    throw err
  })
  return known
}

export async function signIn(credentials: LoginRequest): Promise<Me> {
  const me = await auth.login(credentials)
  settle(me)
  return me
}

/** Turns this browser into a big-screen terminal: the session becomes the display's. */
export async function becomeDisplay(input: NewDisplay): Promise<Me> {
  const { user } = await createDisplay(input)
  settle(user)
  return user
}

export async function signOut(): Promise<void> {
  await auth.logout()
  settle(null)
}
