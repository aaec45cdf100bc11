// Names of regions by code, asked once per code for the session.
import { getRegion } from '../api/regions'

const known = new Map<string, Promise<string>>()

/** The region's name, or '' when the server cannot tell (it is then asked again next time). */
export function regionName(code: string): Promise<string> {
  let name = known.get(code)
  if (!name) {
    name = getRegion(code).then(
      (r) => r.name,
      () => {
        known.delete(code)
        return ''
      },
    )
    known.set(code, name)
  }
  return name
}

/** Forgets every name (for tests). */
export function forgetRegionNames(): void {
  known.clear()
}
