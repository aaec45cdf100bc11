// Big-screen terminals (大屏终端): a wall screen that stays signed in for
// weeks but can only show the dashboards. POST /api/v1/displays turns the
// browser that sends it into one (its console session ends); admins and
// centers list and revoke those in their area.
import { request, setCsrfToken } from './client'
import type { Me, Role } from './types'

const base = '/api/v1/displays'

/** Who may turn a big screen into a display: those who may read the dashboards. */
export const DISPLAY_CREATE_ROLES: readonly Role[] = ['admin', 'center', 'leader']

/** Who may list and revoke displays (displays:manage); the server keeps each to their area. */
export const DISPLAY_MANAGE_ROLES: readonly Role[] = ['admin', 'center']

/** How long a display stays signed in without use, and at most (days); the server decides. */
export const DISPLAY_IDLE_DAYS = 30
export const DISPLAY_MAX_DAYS = 180

export interface Display {
  id: number
  name: string
  region: { code: string; name: string }
  created_by: { id: number; username: string }
  created_at: string
  last_seen_at: string
  revoked_at: string | null
  /** Who revoked it; empty when the screen itself signed out. */
  revoked_by: string
  /** Whether it still has a session. */
  active: boolean
  /** When its session ends unless used before then. */
  ends_at: string | null
}

export interface NewDisplay {
  name: string
  region: string
}

export interface CreatedDisplay {
  display: Display
  user: Me
  csrf_token: string
}

/** Turns this browser into a display; the session cookie is replaced. */
export async function createDisplay(input: NewDisplay): Promise<CreatedDisplay> {
  const res = await request<CreatedDisplay>('POST', base, input)
  setCsrfToken(res.csrf_token)
  return res
}

export async function listDisplays(): Promise<Display[]> {
  const res = await request<{ items: Display[] }>('GET', base)
  return res.items
}

/** Revoking is idempotent. */
export function revokeDisplay(id: number): Promise<void> {
  return request<void>('DELETE', `${base}/${id}`)
}
