// The app's IndexedDB: the device key and settings (kv), and the drafts
// waiting to be sent (drafts, in creation order by their auto-increment id).
import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import type { Problem } from './problem'

export type DraftKind = 'report' | 'visit' | 'action' | 'check_in' | 'check_out' | 'patrol_start' | 'patrol_points' | 'patrol_finish'

export type DraftStatus = 'pending' | 'synced' | 'failed'

export interface DraftPhoto {
  /** Its own Idempotency-Key, made once with the draft. */
  key: string
  name: string
  /** The image type and bytes (kept as bytes: every engine clones an ArrayBuffer). */
  type: string
  bytes: ArrayBuffer
  done: boolean
  /** A visit's photo: the id the server gave it, for the visit to name. */
  serverId?: string
}

export interface Draft {
  id?: number
  kind: DraftKind
  /** The Idempotency-Key, made once when the draft is created and sent with every try. */
  key: string
  /** The JSON body, serialised once so that every retry sends the same bytes. */
  body: string
  createdAt: string
  status: DraftStatus
  attempts: number
  nextAttemptAt: number
  lastError: string
  /**
   * Report: the photos, and the event once filed. Visit: the photos,
   * uploaded before the visit. Action: the event acted on, the photos of
   * a feedback, and the history line the action made once taken.
   */
  photos?: DraftPhoto[]
  eventId?: number
  eventCode?: string
  actionId?: number
  /** Visit: the body names the uploaded photos (set once, then resent as is). */
  bodyFinal?: boolean
  /** Why the last try failed, kept whole to be described in the worker's language. */
  problem?: Problem
  /** The status the server refused the draft with (failed drafts). */
  refusedStatus?: number
  /** Action: refused because the event changed since it was read. */
  stale?: boolean
  /** Patrol drafts: the local id of the patrol they belong to. */
  patrolRef?: string
  /** What the server answered, for the screens. */
  result?: unknown
  /** What the draft is about, in words that need no translation (a title, a house code); may be empty. */
  label: string
  /** A message key said before the label (a legacy draft has none and its words in label). */
  labelKey?: string
}

interface WorkerDB extends DBSchema {
  kv: { key: string; value: unknown }
  drafts: { key: number; value: Draft; indexes: { status: DraftStatus } }
}

export type Store = IDBPDatabase<WorkerDB>

export function openStore(name = 'gridgov-worker'): Promise<Store> {
  return openDB<WorkerDB>(name, 1, {
    upgrade(db) {
      db.createObjectStore('kv')
      const drafts = db.createObjectStore('drafts', { keyPath: 'id', autoIncrement: true })
      drafts.createIndex('status', 'status')
    },
  })
}

export async function kvGet<T>(db: Store, key: string): Promise<T | undefined> {
  return (await db.get('kv', key)) as T | undefined
}

export async function kvSet(db: Store, key: string, value: unknown): Promise<void> {
  await db.put('kv', value, key)
}

export async function kvDelete(db: Store, key: string): Promise<void> {
  await db.delete('kv', key)
}
