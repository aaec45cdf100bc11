import 'fake-indexeddb/auto'
import { flushPromises, mount } from '@vue/test-utils'
import { Button, Cell, CellGroup, Tag } from 'vant'
import { beforeEach, describe, expect, test, vi } from 'vitest'
import { reactive } from 'vue'
import { i18n } from '../i18n'
import { SyncQueue } from '../lib/queue'
import { openStore } from '../lib/store'

const today = {
  attendance: { worker: { name: '李四' }, check_in: null as { at: string; grid_code: string } | null, check_out: null },
  open_patrol: null,
  events: [],
  reported: [{ id: 1, code: 'E1', title: '路边垃圾', state: 'reported' }],
  samples: [],
  visits: [],
}
let q: SyncQueue
let online = true
vi.mock('../lib/app', () => ({
  cached: async () => ({ value: JSON.parse(JSON.stringify(today)), live: true, at: new Date().toISOString() }),
  locate: async () => ({ lng: 124.9, lat: 46.6, accuracy: 5 }),
  newKey: (p: string) => `${p}-${Math.random()}`,
  get queue() {
    return q
  },
  send: async () => ({ status: 0, body: {} }),
  state: reactive({ workerName: '李四', revision: 0 }),
  syncNow: async () => {
    if (online) await q.sync(true)
  },
}))

const HomeView = (await import('./HomeView.vue')).default
let seq = 0

function mountHome() {
  return mount(HomeView, { global: { plugins: [i18n], components: { VanButton: Button, VanCell: Cell, VanCellGroup: CellGroup, VanTag: Tag }, stubs: { RouterLink: true } } })
}

describe('the home screen', () => {
  beforeEach(async () => {
    online = true
    q = new SyncQueue({ db: await openStore(`home-${++seq}`), send: async () => ({ status: 0, body: {} }) })
  })

  test('names the state of the worker’s reports in the worker’s language', async () => {
    const w = mountHome()
    await flushPromises()
    expect(w.get('[data-testid="home-reported-state"]').text()).toContain('已上报')
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(w.get('[data-testid="home-reported-state"]').text()).toContain('Reported')
    expect(w.text()).not.toContain('reported')
    i18n.global.locale.value = 'zh-CN'
    w.unmount()
  })

  test('offline, a check-out waiting to be sent cannot be tapped again', async () => {
    online = false
    today.attendance.check_in = { at: '2026-06-01T00:30:00Z', grid_code: 'G1' }
    const w = mountHome()
    await flushPromises()
    const out = w.get('[data-testid="home-check-out"]')
    expect(out.attributes('disabled')).toBeUndefined()
    await out.trigger('click')
    await vi.waitFor(() => expect(w.find('[data-testid="home-waiting-check-out"]').exists()).toBe(true))
    expect(w.get('[data-testid="home-waiting-check-out"]').text()).toBe('签退已保存，等待联网提交')
    expect(w.get('[data-testid="home-check-out"]').attributes('disabled')).toBeDefined()
    await w.get('[data-testid="home-check-out"]').trigger('click')
    await flushPromises()
    expect((await q.all()).map((d) => d.kind)).toEqual(['check_out'])
    w.unmount()
    // Opened again later, the screen still knows.
    const again = mountHome()
    await vi.waitFor(() => expect(again.get('[data-testid="home-check-out"]').attributes('disabled')).toBeDefined())
    again.unmount()
    today.attendance.check_in = null
  })
})
