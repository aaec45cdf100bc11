import { describe, expect, it, vi } from 'vitest'
import { ApiError } from '../api/client'
import { PanelLoader, usePanel } from './panel'

/** A fetcher whose answers the test releases one by one. */
function deferred() {
  const calls: { key: string; resolve: (v: string) => void; reject: (e: unknown) => void }[] = []
  const fetcher = vi.fn(
    (key: string) =>
      new Promise<string>((resolve, reject) => {
        calls.push({ key, resolve, reject })
      }),
  )
  return { calls, fetcher }
}

const flush = () => new Promise((r) => setTimeout(r, 0))

function loader() {
  const d = deferred()
  const on = { data: vi.fn(), error: vi.fn(), loading: vi.fn() }
  return { ...d, on, l: new PanelLoader<string, string>(d.fetcher, on) }
}

describe('PanelLoader', () => {
  it('asks a server still loading its figures (503) again after its Retry-After, and not after stop', async () => {
    vi.useFakeTimers()
    try {
      const { l, calls, on } = loader()
      l.show('r')
      calls[0]!.reject(new ApiError({ status: 503, title: 'Service Unavailable', code: 'unavailable', retryAfterSeconds: 2 }))
      await vi.advanceTimersByTimeAsync(0)
      expect(on.error).toHaveBeenCalledTimes(1)
      await vi.advanceTimersByTimeAsync(1999)
      expect(calls).toHaveLength(1)
      await vi.advanceTimersByTimeAsync(1)
      expect(calls).toHaveLength(2)
      calls[1]!.resolve('figures')
      await vi.advanceTimersByTimeAsync(0)
      expect(on.data).toHaveBeenCalledWith('figures')
      // Another 503, then the screen closes: no more asking.
      l.changed()
      calls[2]!.reject(new ApiError({ status: 503, title: 'Service Unavailable', code: 'unavailable' }))
      await vi.advanceTimersByTimeAsync(0)
      l.stop()
      await vi.advanceTimersByTimeAsync(10_000)
      expect(calls).toHaveLength(3)
      // Other failures are not retried by the loader.
      const other = loader()
      other.l.show('r')
      other.calls[0]!.reject(new ApiError({ status: 500, title: 'Internal Server Error', code: 'internal' }))
      await vi.advanceTimersByTimeAsync(10_000)
      expect(other.calls).toHaveLength(1)
    } finally {
      vi.useRealTimers()
    }
  })

  it('fetches the key shown and hands the answer on', async () => {
    const { l, calls, on } = loader()
    l.show('230602')
    expect(calls.map((c) => c.key)).toEqual(['230602'])
    calls[0]!.resolve('figures')
    await flush()
    expect(on.data).toHaveBeenCalledWith('figures')
    expect(on.loading.mock.calls.map((c) => c[0])).toEqual([true, false])
  })

  it('fetches again once per change message', async () => {
    const { l, calls } = loader()
    l.show('r')
    calls[0]!.resolve('a')
    await flush()
    l.changed()
    expect(calls).toHaveLength(2)
    calls[1]!.resolve('b')
    await flush()
    l.changed()
    expect(calls).toHaveLength(3)
  })

  it('never fetches while a fetch is out: changes meanwhile make one more fetch when it returns', async () => {
    const { l, calls, on } = loader()
    l.show('r')
    l.changed()
    l.changed()
    l.changed()
    expect(calls).toHaveLength(1)
    calls[0]!.resolve('old')
    await flush()
    expect(calls).toHaveLength(2)
    expect(l.busy).toBe(true)
    calls[1]!.resolve('new')
    await flush()
    expect(calls).toHaveLength(2)
    expect(on.data.mock.calls.map((c) => c[0])).toEqual(['old', 'new'])
  })

  it('showing the key already being fetched does not fetch it twice', () => {
    const { l, calls } = loader()
    l.show('r')
    l.show('r')
    expect(calls).toHaveLength(1)
  })

  it('drops the answer for a region no longer on show', async () => {
    const { l, calls, on } = loader()
    l.show('230602')
    l.show('230603')
    expect(calls.map((c) => c.key)).toEqual(['230602', '230603'])
    calls[1]!.resolve('new region')
    await flush()
    calls[0]!.resolve('old region')
    await flush()
    expect(on.data.mock.calls.map((c) => c[0])).toEqual(['new region'])
    expect(l.busy).toBe(false)
  })

  it('reports a failure and fetches again on the next change', async () => {
    const { l, calls, on } = loader()
    l.show('r')
    calls[0]!.reject(new Error('boom'))
    await flush()
    expect(on.error).toHaveBeenCalledTimes(1)
    l.changed()
    expect(calls).toHaveLength(2)
  })

  it('does nothing before a key is shown or after it stopped', async () => {
    const { l, calls, on } = loader()
    l.changed()
    expect(calls).toHaveLength(0)
    l.show('r')
    l.stop()
    calls[0]!.resolve('late')
    await flush()
    l.changed()
    expect(calls).toHaveLength(1)
    expect(on.data).not.toHaveBeenCalled()
  })
})

describe('usePanel', () => {
  it('keeps the figures, the error and the status of the failure in refs', async () => {
    const fetcher = vi
      .fn<(k: string) => Promise<number>>()
      .mockRejectedValueOnce(new ApiError({ status: 401, title: 'Unauthorized', code: 'unauthorized' }))
      .mockResolvedValueOnce(42)
    const p = usePanel(fetcher)
    p.loader.show('r')
    await flush()
    expect(p.failedWith.value).toBe(401)
    expect(p.error.value?.title).toBeTruthy()
    expect(p.data.value).toBeNull()
    p.loader.changed()
    await flush()
    expect(p.data.value).toBe(42)
    expect(p.error.value).toBeNull()
    expect(p.failedWith.value).toBeNull()
    expect(p.loading.value).toBe(false)
  })
})
