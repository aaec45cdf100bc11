// A patrol's track as the phone gathers it: the fixes taken since the
// start, buffered between batches. Kept in IndexedDB so that a reload goes
// on with it.

export interface Fix {
  lng: number
  lat: number
  at: string
  accuracy_m: number
}

export interface Run {
  ref: string
  /** The start as sent; replaced by the server's once the start is stored. */
  startedAt: string
  seq: number
  points: number
  distanceM: number
  buffer: Fix[]
  last?: Fix
}

function metres(a: Fix, b: Fix): number {
  const r = 6371008.8
  const rad = Math.PI / 180
  const dLat = (b.lat - a.lat) * rad
  const dLng = (b.lng - a.lng) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2
  return 2 * r * Math.asin(Math.sqrt(h))
}

/**
 * Adds a fix to the track when it belongs there: taken at or after the
 * start (a phone first hands back the last fix it had, from before the
 * worker tapped start) and after the fix before it.
 */
export function addFix(r: Run, fix: Fix): boolean {
  const at = Date.parse(fix.at)
  if (!(at >= Date.parse(r.startedAt))) return false
  if (r.last && Date.parse(r.last.at) >= at) return false
  if (r.last) r.distanceM += metres(r.last, fix)
  r.last = fix
  r.buffer.push(fix)
  r.points++
  return true
}

/**
 * Takes the start the server recorded, when it is later than the one
 * sent, and drops the buffered fixes before it; the points of batches
 * already queued were sent with the start the phone knew.
 */
export function restart(r: Run, serverStartedAt: string | undefined): void {
  if (typeof serverStartedAt !== 'string' || !(Date.parse(serverStartedAt) > Date.parse(r.startedAt))) return
  r.startedAt = serverStartedAt
  const keep = r.buffer.filter((f) => Date.parse(f.at) >= Date.parse(serverStartedAt))
  r.points -= r.buffer.length - keep.length
  r.buffer = keep
  if (r.seq === 0) {
    // Nothing sent yet: the distance is that of the fixes kept.
    r.last = undefined
    r.distanceM = 0
    r.points = 0
    for (const f of keep.splice(0)) addFix(r, f)
  }
}
