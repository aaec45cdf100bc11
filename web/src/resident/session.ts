// Who is signed in to the residents' app, and their chosen grid.
import { reactive } from 'vue'
import { ApiError } from '../api/client'
import type { Me } from '../api/types'
import { fetchMe, fetchProfile, type Profile } from './api'

export const session = reactive<{ me: Me | null; profile: Profile | null; checked: boolean }>({
  me: null,
  profile: null,
  checked: false,
})

/** Resolves whether a resident is signed in, asking the server once. */
export async function ensureSession(): Promise<boolean> {
  if (!session.checked) {
    session.checked = true
    try {
      const me = await fetchMe()
      session.me = me.role === 'resident' ? me : null
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401) throw err
      session.me = null
    }
  }
  return session.me !== null
}

export async function loadProfile(): Promise<Profile> {
  session.profile = await fetchProfile()
  return session.profile
}

export function signedIn(me: Me): void {
  session.me = me
  session.checked = true
  session.profile = null
}

export function signedOut(): void {
  session.me = null
  session.profile = null
  session.checked = true
}
