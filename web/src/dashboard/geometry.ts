// Region outlines for the dashboard map, fetched once each: a bounded cache
// (the big screen drills for days), asked a few at a time, a missing outline
// (no boundary drawn) remembered as null.
import { ApiError } from '../api/client'
import { getRegionGeometry } from '../api/regions'
import type { GeoJSONFeature } from '../api/types'

export class GeometryCache {
  private readonly done = new Map<string, GeoJSONFeature | null>()
  private readonly pending = new Map<string, Promise<GeoJSONFeature | null>>()
  private readonly queue: (() => void)[] = []
  private running = 0

  constructor(
    private readonly fetcher: (code: string) => Promise<GeoJSONFeature> = getRegionGeometry,
    private readonly limit = 500,
    private readonly parallel = 6,
  ) {}

  get size(): number {
    return this.done.size
  }

  /** The outline of a region, or null when it has none (or may not be seen). */
  get(code: string): Promise<GeoJSONFeature | null> {
    const hit = this.done.get(code)
    if (hit !== undefined) {
      // Most recently used last, so the oldest go first.
      this.done.delete(code)
      this.done.set(code, hit)
      return Promise.resolve(hit)
    }
    const out = this.pending.get(code)
    if (out) return out
    const p = this.slot()
      .then(() => this.fetcher(code))
      .then(
        (f) => (f && f.geometry ? f : null),
        (err: unknown) => {
          // Not drawn, or outside the scope: nothing to draw. Other faults are tried again next time.
          if (err instanceof ApiError && (err.status === 404 || err.status === 403)) return null
          throw err
        },
      )
      .then((f) => {
        this.remember(code, f)
        return f
      })
      .finally(() => {
        this.pending.delete(code)
        this.release()
      })
    this.pending.set(code, p)
    return p
  }

  private remember(code: string, f: GeoJSONFeature | null): void {
    this.done.set(code, f)
    while (this.done.size > this.limit) {
      const oldest = this.done.keys().next().value
      if (oldest === undefined) break
      this.done.delete(oldest)
    }
  }

  private slot(): Promise<void> {
    if (this.running < this.parallel) {
      this.running++
      return Promise.resolve()
    }
    return new Promise((resolve) => this.queue.push(resolve))
  }

  private release(): void {
    const next = this.queue.shift()
    if (next) next()
    else this.running--
  }
}
