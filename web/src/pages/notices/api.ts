// The centers' notice desk: notices for a region that residents of the
// grids under it read in the resident app.
import { request } from '../../api/client'
import type { Role } from '../../api/types'

/** The roles that post and withdraw notices. */
export const NOTICE_ROLES: readonly Role[] = ['admin', 'center']

export type NoticeStatus = 'scheduled' | 'published' | 'expired' | 'withdrawn'

export interface Notice {
  id: number
  title: string
  body: string
  region_code: string
  region_name: string
  publish_at: string
  expires_at?: string
  created_by_name?: string
  created_at: string
  withdrawn_at?: string
  status: NoticeStatus
  version: number
}

export interface NoticeInput {
  title: string
  body: string
  region_code: string
  publish_at?: string
  expires_at?: string
}

export interface NoticePage {
  items: Notice[]
  next_before?: number
}

export async function listNotices(before = 0): Promise<NoticePage> {
  const res = await request<NoticePage>('GET', `/api/v1/notices${before > 0 ? `?before=${before}` : ''}`)
  return { ...res, items: res.items ?? [] }
}

export function postNotice(input: NoticeInput): Promise<Notice> {
  return request<Notice>('POST', '/api/v1/notices', input)
}

export function withdrawNotice(id: number): Promise<Notice> {
  return request<Notice>('POST', `/api/v1/notices/${id}/withdraw`)
}
