import { ApiError, request, setCsrfToken } from './client'
import type { LoginRequest, LoginResponse, Me, PasswordChange, TotpEnrollment } from './types'

const base = '/api/v1'

export async function login(credentials: LoginRequest): Promise<Me> {
  const response = await request<LoginResponse>('POST', `${base}/auth/login`, credentials)
  setCsrfToken(response.csrf_token)
  return response.user
}

/** Ends the session; one that has already expired counts as ended. */
export async function logout(): Promise<void> {
  try {
    await request<void>('POST', `${base}/auth/logout`)
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err
  }
  setCsrfToken('')
}

export async function fetchMe(): Promise<Me> {
  const me = await request<Me>('GET', `${base}/me`)
  setCsrfToken(me.csrf_token)
  return me
}

export function changePassword(change: PasswordChange): Promise<void> {
  return request<void>('POST', `${base}/me/password`, change)
}

export function enrollTotp(): Promise<TotpEnrollment> {
  return request<TotpEnrollment>('POST', `${base}/me/totp/enroll`, {})
}

export function confirmTotp(code: string): Promise<void> {
  return request<void>('POST', `${base}/me/totp/confirm`, { code })
}
