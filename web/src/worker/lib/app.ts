// The app's one state: the store, the device identity, the sync queue and
// what the screens show of them.
import { reactive } from 'vue'
import { i18n } from '../i18n'
import { identity, saveIdentity, signedTransport, type Identity, type Transport } from './device'
import type { Problem } from './problem'
import { SyncQueue } from './queue'
import { kvGet, kvSet, openStore, type Store } from './store'

export interface Position {
  lng: number
  lat: number
  accuracy: number
}

export const state = reactive({
  ready: false,
  online: typeof navigator === 'undefined' ? true : navigator.onLine,
  bound: false,
  workerName: '',
  deviceId: '',
  pending: 0,
  failed: 0,
  syncing: false,
  lastError: '',
  lastProblem: undefined as Problem | undefined,
  /** Bumped whenever the drafts change, for lists to reload. */
  revision: 0,
})

let db: Store
let me: Identity
export let queue: SyncQueue
export let send: Transport

export function store(): Store {
  return db
}

export async function device(): Promise<Identity> {
  return me
}

async function refreshCounts(): Promise<void> {
  const st = await queue.state()
  state.pending = st.pending
  state.failed = st.failed
  state.syncing = st.running
  state.lastError = st.lastError
  state.lastProblem = st.lastProblem
  state.revision++
}

/** Sends what is pending when online; a no-op offline. */
export function syncNow(force = false): Promise<void> {
  if (!navigator.onLine) return Promise.resolve()
  return queue.sync(force)
}

export async function start(): Promise<void> {
  db = await openStore()
  me = await identity(db)
  send = signedTransport(
    async () => me,
    (...a) => fetch(...a),
    () => i18n.global.locale.value,
  )
  queue = new SyncQueue({
    db,
    send,
    openPatrol: async () => {
      const res = await send({ method: 'GET', path: '/api/v1/workforce/device/tasks' })
      const p = res.body.open_patrol as { id?: number } | null | undefined
      return p?.id
    },
  })
  queue.onChange(() => void refreshCounts())
  state.bound = me.workerId !== undefined
  state.workerName = me.workerName ?? ''
  state.deviceId = me.deviceId
  await refreshCounts()
  window.addEventListener('online', () => {
    state.online = true
    void syncNow(true)
  })
  window.addEventListener('offline', () => (state.online = false))
  // Retries with backoff: the queue itself skips drafts not yet due.
  setInterval(() => void syncNow(), 15_000)
  state.ready = true
  void syncNow(true)
}

export async function markBound(workerId: number, name: string, grids: Identity['grids']): Promise<void> {
  me = { ...me, workerId, workerName: name, grids }
  await saveIdentity(db, me)
  state.bound = true
  state.workerName = name
}

/** A cached copy of an answer, for offline reading. */
export async function cached<T>(key: string, load: () => Promise<T | undefined>): Promise<{ value?: T; at?: string; live: boolean }> {
  if (navigator.onLine) {
    try {
      const value = await load()
      if (value !== undefined) {
        const at = new Date().toISOString()
        await kvSet(db, `cache:${key}`, { value, at })
        return { value, at, live: true }
      }
    } catch {
      // Fall back to the copy.
    }
  }
  const copy = await kvGet<{ value: T; at: string }>(db, `cache:${key}`)
  return { value: copy?.value, at: copy?.at, live: false }
}

export function locate(): Promise<Position> {
  return new Promise((resolve, reject) => {
    if (!('geolocation' in navigator)) {
      reject(new Error('geolocation unavailable'))
      return
    }
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lng: p.coords.longitude, lat: p.coords.latitude, accuracy: Math.round(p.coords.accuracy) }),
      (err) => reject(new Error(err.message || `code ${err.code}`)),
      { enableHighAccuracy: true, timeout: 15_000, maximumAge: 30_000 },
    )
  })
}

export function newKey(prefix: string): string {
  return `${prefix}-${crypto.randomUUID()}`
}
