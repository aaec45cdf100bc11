// The API calls of the residents' app: sign-in by phone code, reporting
// with a photo, nearby reports and following, my events with their public
// timelines, rating, the chosen grid and the notices for it.
import { ApiError, request as send, setCsrfToken, type Method } from '../api/client'
import type { LoginResponse, Me } from '../api/types'

const base = '/api/v1'

let unauthorized: (() => void) | null = null

/** Sets what happens when the server answers 401: the session has ended. */
export function onUnauthorized(fn: (() => void) | null): void {
  unauthorized = fn
}

async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
  try {
    return await send<T>(method, path, body)
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) unauthorized?.()
    throw err
  }
}

export interface CodeSent {
  expires_at: string
  resend_at: string
}

export function sendCode(phone: string): Promise<CodeSent> {
  return request<CodeSent>('POST', `${base}/resident/codes`, { phone })
}

/** Signs in with the code; the session cookie is set by the answer. */
export async function signIn(phone: string, code: string): Promise<Me> {
  const res = await request<LoginResponse>('POST', `${base}/resident/sessions`, { phone, code })
  setCsrfToken(res.csrf_token)
  return res.user
}

export async function fetchMe(): Promise<Me> {
  const me = await request<Me>('GET', `${base}/me`)
  setCsrfToken(me.csrf_token)
  return me
}

export async function signOut(): Promise<void> {
  await request<void>('POST', `${base}/auth/logout`)
  setCsrfToken('')
}

export interface RegionLink {
  code: string
  name: string
  level: string
}

export interface Profile {
  phone: string
  grid: { code: string; name: string; chain: RegionLink[] } | null
}

export function fetchProfile(): Promise<Profile> {
  return request<Profile>('GET', `${base}/resident/profile`)
}

export type GridChoice = { grid_code: string } | { lng: number; lat: number }

export function setGrid(choice: GridChoice): Promise<Profile> {
  return request<Profile>('PUT', `${base}/resident/profile`, choice)
}

export async function listRegions(parent = ''): Promise<RegionLink[]> {
  const q = parent ? `?parent=${encodeURIComponent(parent)}` : ''
  const res = await request<{ items: RegionLink[] | null }>('GET', `${base}/resident/regions${q}`)
  return res.items ?? []
}

export interface Category {
  code: string
  name: string
  name_en: string
  leaf: boolean
  children?: Category[]
}

export async function fetchCategories(): Promise<Category[]> {
  const res = await request<{ items: Category[] | null }>('GET', `${base}/categories`)
  return res.items ?? []
}

export interface TimelineEntry {
  action: string
  state: string
  at: string
  department?: string
  note?: string
}

/** An event as residents see it (internal/event PublicView). */
export interface PublicEvent {
  id: number
  code: string
  category_code: string
  title: string
  state: string
  reported_at: string
  updated_at: string
  closed_at?: string
  area?: [number, number]
  distance_m?: number
  followers: number
  withheld: boolean
  timeline?: TimelineEntry[]
}

export interface NearbyEvent extends PublicEvent {
  following: boolean
  mine: boolean
}

export interface OwnView {
  description: string
  address: string
  rating?: string
  version: number
  can_rate: boolean
}

export interface MyEvent extends PublicEvent {
  relation: 'reported' | 'following'
  own?: OwnView
}

export async function nearby(category: string, lng: number, lat: number): Promise<NearbyEvent[]> {
  const q = new URLSearchParams({ category, lng: String(lng), lat: String(lat) })
  const res = await request<{ items: NearbyEvent[] | null }>('GET', `${base}/resident/nearby?${q}`)
  return res.items ?? []
}

export interface FollowState {
  event_id: number
  following: boolean
  followers: number
}

export function follow(eventID: number): Promise<FollowState> {
  return request<FollowState>('POST', `${base}/resident/follows/${eventID}`)
}

export function unfollow(eventID: number): Promise<FollowState> {
  return request<FollowState>('DELETE', `${base}/resident/follows/${eventID}`)
}

export interface MyEventsPage {
  items: MyEvent[]
  next_after?: number
}

export async function myEvents(after = 0): Promise<MyEventsPage> {
  const q = after > 0 ? `?after=${after}` : ''
  const res = await request<MyEventsPage>('GET', `${base}/resident/events${q}`)
  return { ...res, items: res.items ?? [] }
}

export interface NewReport {
  category_code: string
  title: string
  description: string
  address: string
  lng?: number
  lat?: number
}

export interface Filed {
  event: { id: number; code: string; state: string; grid_code: string }
}

export function report(r: NewReport): Promise<Filed> {
  return request<Filed>('POST', `${base}/events`, { ...r, source: 'resident' })
}

export function uploadPhoto(eventID: number, photo: Blob, name = 'photo.jpg'): Promise<unknown> {
  const form = new FormData()
  form.append('file', photo, name)
  return request<unknown>('POST', `${base}/events/${eventID}/attachments`, form)
}

export const RATINGS = ['satisfied', 'basic', 'unsatisfied'] as const
export type Rating = (typeof RATINGS)[number]

export function rate(eventID: number, version: number, rating: Rating): Promise<unknown> {
  return request<unknown>('POST', `${base}/events/${eventID}/actions`, { action: 'rate', version, rating })
}

export interface Notice {
  id: number
  title: string
  body: string
  region_code: string
  region_name: string
  publish_at: string
  expires_at?: string
}

export interface MyNotices {
  grid_chosen: boolean
  items: Notice[]
}

export async function myNotices(): Promise<MyNotices> {
  const res = await request<MyNotices>('GET', `${base}/resident/notices`)
  return { grid_chosen: res.grid_chosen, items: res.items ?? [] }
}
