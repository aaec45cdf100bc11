// A report being written is kept until it is filed, so that a session that
// ends meanwhile (signed out elsewhere, or idle too long) loses nothing: in
// memory with its photo, which lasts through signing in again in the app,
// and in sessionStorage without the photo, which lasts through a reload of
// the tab. A draft is only given back to the resident who wrote it.

export interface Draft {
  category: string
  description: string
  address: string
  point: { lng: number; lat: number } | null
  photo: Blob | null
}

interface Stored extends Omit<Draft, 'photo'> {
  owner: number
  hadPhoto: boolean
}

export const DRAFT_KEY = 'gridgov.resident.draft'

let held: { owner: number; draft: Draft } | null = null

function empty(d: Draft): boolean {
  return !d.category && !d.description.trim() && !d.address.trim() && !d.point && !d.photo
}

/** Keeps what the resident has written so far; an empty form keeps nothing. */
export function keepDraft(owner: number, d: Draft): void {
  if (empty(d)) {
    clearDraft()
    return
  }
  held = { owner, draft: { ...d } }
  const stored: Stored = {
    owner,
    category: d.category,
    description: d.description,
    address: d.address,
    point: d.point,
    hadPhoto: d.photo !== null,
  }
  try {
    sessionStorage.setItem(DRAFT_KEY, JSON.stringify(stored))
  } catch {
    // Storage full or refused: the draft in memory still lasts through a sign-in.
  }
}

/**
 * The owner's draft, if there is one. photoLost says the draft had a photo
 * that could not be kept (the tab was reloaded): it has to be added again.
 */
export function takeDraft(owner: number): { draft: Draft; photoLost: boolean } | null {
  if (held && held.owner === owner) return { draft: { ...held.draft }, photoLost: false }
  let stored: Stored | null = null
  try {
    const raw = sessionStorage.getItem(DRAFT_KEY)
    stored = raw ? (JSON.parse(raw) as Stored) : null
  } catch {
    stored = null
  }
  if (!stored || stored.owner !== owner) return null
  const draft: Draft = {
    category: String(stored.category ?? ''),
    description: String(stored.description ?? ''),
    address: String(stored.address ?? ''),
    point: stored.point && typeof stored.point.lng === 'number' && typeof stored.point.lat === 'number' ? stored.point : null,
    photo: null,
  }
  return { draft, photoLost: stored.hadPhoto === true }
}

export function hasDraft(): boolean {
  if (held) return true
  try {
    return sessionStorage.getItem(DRAFT_KEY) !== null
  } catch {
    return false
  }
}

/** Forgets the draft: the report was filed, or the resident signed out. */
export function clearDraft(): void {
  held = null
  try {
    sessionStorage.removeItem(DRAFT_KEY)
  } catch {
    // Nothing was stored.
  }
}
