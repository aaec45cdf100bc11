// Keys of API clients (Open311 apps and other systems that report events):
// an administrator issues one per client, sees it once, and can revoke it.
import { request } from './client'
import type { Role } from './types'

const base = '/api/v1/api-keys'

/** Only deployment-wide administrators manage keys (apikeys:manage); the server checks the scope. */
export const APIKEY_ROLES: readonly Role[] = ['admin']

/** A key as lists show it: never the key itself, only its first characters. */
export interface ApiKey {
  id: number
  name: string
  /** "gg_" and the next 8 characters of the key. */
  prefix: string
  created_by: string
  created_at: string
  last_used_at: string | null
  revoked_at: string | null
  revoked_by?: string
}

/** A new key with the one copy of its secret the console will ever see. */
export interface CreatedApiKey extends ApiKey {
  key: string
}

export async function listApiKeys(): Promise<ApiKey[]> {
  const res = await request<{ items: ApiKey[] }>('GET', base)
  return res.items
}

export function createApiKey(name: string): Promise<CreatedApiKey> {
  return request('POST', base, { name })
}

/** Revoking is idempotent: a revoked key answers unchanged. */
export function revokeApiKey(id: number): Promise<ApiKey> {
  return request('POST', `${base}/${id}/revoke`)
}

/** Where Open311 clients find the service, for this console's origin. */
export function open311Discovery(origin: string): string {
  return `${origin}/open311/v2/discovery.json`
}
