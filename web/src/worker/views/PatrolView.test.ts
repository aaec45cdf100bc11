import 'fake-indexeddb/auto'
import { flushPromises, mount } from '@vue/test-utils'
import { Button, Cell, CellGroup } from 'vant'
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { i18n } from '../i18n'
import { openStore, type Store } from '../lib/store'
import { SyncQueue } from '../lib/queue'

let db: Store
let q: SyncQueue
vi.mock('../lib/app', () => ({
  locate: async () => ({ lng: 124.9, lat: 46.6, accuracy: 5 }),
  newKey: (p: string) => `${p}-${Math.random()}`,
  get queue() {
    return q
  },
  store: () => db,
  syncNow: async () => {},
}))

const PatrolView = (await import('./PatrolView.vue')).default
let seq = 0

describe('the patrol screen', () => {
  let onFix: PositionCallback | undefined
  beforeEach(async () => {
    db = await openStore(`patrol-${++seq}`)
    q = new SyncQueue({ db, send: async () => ({ status: 0, body: {} }) })
    Object.defineProperty(navigator, 'geolocation', {
      configurable: true,
      value: {
        watchPosition: (cb: PositionCallback) => {
          onFix = cb
          return 1
        },
        clearWatch: () => {},
      },
    })
  })
  afterEach(() => {
    delete (navigator as { geolocation?: unknown }).geolocation
  })

  test('queues no point taken before the patrol started', async () => {
    const w = mount(PatrolView, { global: { plugins: [i18n], components: { VanButton: Button, VanCell: Cell, VanCellGroup: CellGroup } } })
    await flushPromises()
    await w.get('[data-testid="patrol-start"]').trigger('click')
    await vi.waitFor(() => expect(onFix).toBeDefined())
    const [start] = await q.all()
    const startedAt = Date.parse(JSON.parse(start.body).at as string)
    const at = (ms: number, lat: number) => ({ timestamp: ms, coords: { longitude: 124.9, latitude: lat, accuracy: 5 } }) as GeolocationPosition
    onFix!(at(startedAt - 3_000, 46.6)) // the phone's cached fix
    onFix!(at(startedAt + 2_000, 46.6001))
    onFix!(at(startedAt + 7_000, 46.6002))
    await w.get('[data-testid="patrol-finish"]').trigger('click')
    await vi.waitFor(async () => expect((await q.all()).length).toBe(3))
    const drafts = await q.all()
    expect(drafts.map((d) => d.kind)).toEqual(['patrol_start', 'patrol_points', 'patrol_finish'])
    const points = (JSON.parse(drafts[1].body) as { points: { at: string }[] }).points
    expect(points).toHaveLength(2)
    expect(points.every((p) => Date.parse(p.at) >= startedAt)).toBe(true)
    w.unmount()
  })
})
