import { describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick, ref } from 'vue'
import { ChangeStream, changedPanels, useChangeStream, type EventSourceLike, type StreamHandlers } from './stream'

/** An EventSource the test drives: it opens, sends, fails and reconnects when told. */
class FakeSource implements EventSourceLike {
  readyState = 0
  closedByClient = false
  private listeners = new Map<string, ((e: MessageEvent) => void)[]>()
  constructor(readonly url: string) {}
  addEventListener(type: string, fn: (e: MessageEvent) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn])
  }
  close(): void {
    this.closedByClient = true
    this.readyState = 2
  }
  emit(type: string, data = ''): void {
    for (const fn of this.listeners.get(type) ?? []) fn(new MessageEvent(type, { data }))
  }
  open(): void {
    this.readyState = 1
    this.emit('open')
  }
  /** The connection dropped and the browser reconnects by itself (with Last-Event-ID). */
  drop(): void {
    this.readyState = 0
    this.emit('error')
  }
  /** The server answered with an error: the browser gives up on this source. */
  fail(): void {
    this.readyState = 2
    this.emit('error')
  }
}

function harness() {
  const sources: FakeSource[] = []
  const timers: { fn: () => void; ms: number; cleared: boolean }[] = []
  const handlers = { change: vi.fn(), reset: vi.fn(), state: vi.fn() } satisfies StreamHandlers
  const options = {
    open: (url: string) => {
      const s = new FakeSource(url)
      sources.push(s)
      return s
    },
    retryDelays: [100, 200, 400],
    setTimer: (fn: () => void, ms: number) => {
      const t = { fn, ms, cleared: false }
      timers.push(t)
      return t
    },
    clearTimer: (t: unknown) => {
      ;(t as { cleared: boolean }).cleared = true
    },
  }
  const fire = () => {
    const t = timers.find((x) => !x.cleared)
    if (!t) throw new Error('no timer waiting')
    t.cleared = true
    t.fn()
  }
  return { sources, timers, handlers, options, fire }
}

describe('changedPanels', () => {
  it('keeps the panels a change names, in panel order, and drops unknown topics', () => {
    expect(changedPanels('{"topics":["operations","events","weather"]}')).toEqual(['events', 'operations'])
    expect(changedPanels('{"topics":[]}')).toEqual([])
  })
  it('takes an unreadable message as a change of every panel', () => {
    expect(changedPanels('not json')).toEqual(['people', 'events', 'operations'])
    expect(changedPanels('{"topic":"events"}')).toEqual(['people', 'events', 'operations'])
    expect(changedPanels('null')).toEqual(['people', 'events', 'operations'])
  })
})

describe('ChangeStream', () => {
  it('passes changes and resets on', () => {
    const h = harness()
    new ChangeStream('/s', h.handlers, h.options)
    const [s] = h.sources
    s!.open()
    h.handlers.reset.mockClear()
    s!.emit('change', '{"topics":["events"]}')
    s!.emit('reset')
    expect(h.handlers.change).toHaveBeenCalledWith(['events'])
    expect(h.handlers.reset).toHaveBeenCalledTimes(1)
    expect(h.handlers.state).toHaveBeenLastCalledWith('open')
  })

  it('counts the first open of a stream as a reset: what changed before it opened is unknown', () => {
    const h = harness()
    new ChangeStream('/s', h.handlers, h.options)
    expect(h.handlers.reset).not.toHaveBeenCalled()
    h.sources[0]!.open()
    expect(h.handlers.reset).toHaveBeenCalledTimes(1)
    expect(h.handlers.state).toHaveBeenLastCalledWith('open')
  })

  it('leaves a dropped connection to the browser, which resumes with Last-Event-ID', () => {
    const h = harness()
    new ChangeStream('/s', h.handlers, h.options)
    h.sources[0]!.open()
    h.sources[0]!.drop()
    expect(h.handlers.state).toHaveBeenLastCalledWith('retrying')
    h.sources[0]!.open()
    expect(h.sources).toHaveLength(1)
    expect(h.timers).toHaveLength(0)
    // Only the first open: the browser's reconnection resumes.
    expect(h.handlers.reset).toHaveBeenCalledTimes(1)
  })

  it('opens a new source after the browser gave up, waiting longer each time, and refetches everything once back', () => {
    const h = harness()
    new ChangeStream('/s', h.handlers, h.options)
    h.sources[0]!.open()
    h.sources[0]!.fail()
    expect(h.sources[0]!.closedByClient).toBe(true)
    expect(h.timers.map((t) => t.ms)).toEqual([100])
    h.fire()
    expect(h.sources).toHaveLength(2)
    h.sources[1]!.fail()
    h.fire()
    h.sources[2]!.fail()
    h.fire()
    h.sources[3]!.fail()
    expect(h.timers.map((t) => t.ms)).toEqual([100, 200, 400, 400])
    h.fire()
    expect(h.handlers.reset).toHaveBeenCalledTimes(1) // the first source's open
    h.sources[4]!.open()
    expect(h.handlers.reset).toHaveBeenCalledTimes(2)
    // Back to the shortest wait after a success.
    h.sources[4]!.fail()
    expect(h.timers.at(-1)!.ms).toBe(100)
  })

  it('ignores what a replaced source still sends', () => {
    const h = harness()
    new ChangeStream('/s', h.handlers, h.options)
    const old = h.sources[0]!
    old.fail()
    h.fire()
    old.emit('change', '{"topics":["people"]}')
    old.emit('reset')
    expect(h.handlers.change).not.toHaveBeenCalled()
    expect(h.handlers.reset).not.toHaveBeenCalled()
  })

  it('close ends the source and any attempt waiting, for good', () => {
    const h = harness()
    const stream = new ChangeStream('/s', h.handlers, h.options)
    h.sources[0]!.fail()
    stream.close()
    expect(h.timers[0]!.cleared).toBe(true)
    expect(stream.closed).toBe(true)
    expect(h.handlers.state).toHaveBeenLastCalledWith('closed')

    const h2 = harness()
    const open = new ChangeStream('/s', h2.handlers, h2.options)
    open.close()
    expect(h2.sources[0]!.closedByClient).toBe(true)
    h2.sources[0]!.emit('change', '{"topics":["events"]}')
    expect(h2.handlers.change).not.toHaveBeenCalled()
  })
})

describe('useChangeStream', () => {
  it('follows the region and closes when its scope ends', async () => {
    const h = harness()
    const region = ref<string | null>('')
    const scope = effectScope()
    scope.run(() => useChangeStream(region, h.handlers, h.options))
    expect(h.sources.map((s) => s.url)).toEqual(['/api/v1/dashboard/stream'])
    region.value = '230602'
    await nextTick()
    expect(h.sources.map((s) => s.url)).toEqual(['/api/v1/dashboard/stream', '/api/v1/dashboard/stream?region=230602'])
    expect(h.sources[0]!.closedByClient).toBe(true)
    region.value = null
    await nextTick()
    expect(h.sources[1]!.closedByClient).toBe(true)
    expect(h.sources).toHaveLength(2)
    region.value = '230602001'
    await nextTick()
    scope.stop()
    expect(h.sources[2]!.closedByClient).toBe(true)
    region.value = '230603'
    await nextTick()
    expect(h.sources).toHaveLength(3)
  })
})
