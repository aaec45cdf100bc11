import { describe, expect, it, vi } from 'vitest'
import { ApiError } from '../api/client'
import type { GeoJSONFeature } from '../api/types'
import { GeometryCache } from './geometry'

const square = (code: string): GeoJSONFeature => ({
  type: 'Feature',
  geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] },
  properties: { code },
})

describe('GeometryCache', () => {
  it('fetches each outline once, also when asked twice at the same time', async () => {
    const fetcher = vi.fn(async (code: string) => square(code))
    const cache = new GeometryCache(fetcher)
    const [a, b] = await Promise.all([cache.get('230602'), cache.get('230602')])
    expect(a).toBe(b)
    await cache.get('230602')
    expect(fetcher).toHaveBeenCalledTimes(1)
  })

  it('remembers a region without an outline, or out of sight, as null', async () => {
    const fetcher = vi
      .fn<(code: string) => Promise<GeoJSONFeature>>()
      .mockRejectedValueOnce(new ApiError({ status: 404, title: 'Not Found' }))
      .mockResolvedValueOnce({ type: 'Feature', geometry: null })
    const cache = new GeometryCache(fetcher)
    expect(await cache.get('a')).toBeNull()
    expect(await cache.get('b')).toBeNull()
    expect(await cache.get('a')).toBeNull()
    expect(fetcher).toHaveBeenCalledTimes(2)
  })

  it('tries again after a fault that may pass', async () => {
    const fetcher = vi
      .fn<(code: string) => Promise<GeoJSONFeature>>()
      .mockRejectedValueOnce(new ApiError({ status: 0, title: 'offline' }))
      .mockResolvedValueOnce(square('a'))
    const cache = new GeometryCache(fetcher)
    await expect(cache.get('a')).rejects.toThrow('offline')
    expect(await cache.get('a')).not.toBeNull()
  })

  it('keeps at most its limit, dropping the least recently used', async () => {
    const fetcher = vi.fn(async (code: string) => square(code))
    const cache = new GeometryCache(fetcher, 2)
    await cache.get('a')
    await cache.get('b')
    await cache.get('a')
    await cache.get('c')
    expect(cache.size).toBe(2)
    await cache.get('a')
    expect(fetcher).toHaveBeenCalledTimes(3)
    await cache.get('b')
    expect(fetcher).toHaveBeenCalledTimes(4)
  })

  it('asks only a few at a time', async () => {
    let running = 0
    let most = 0
    const release: (() => void)[] = []
    const fetcher = vi.fn(
      (code: string) =>
        new Promise<GeoJSONFeature>((resolve) => {
          running++
          most = Math.max(most, running)
          release.push(() => {
            running--
            resolve(square(code))
          })
        }),
    )
    const cache = new GeometryCache(fetcher, 100, 2)
    const all = Promise.all(['a', 'b', 'c', 'd', 'e'].map((c) => cache.get(c)))
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 0))
      release.shift()?.()
    }
    await all
    expect(most).toBe(2)
    expect(fetcher).toHaveBeenCalledTimes(5)
  })
})
