import { flushPromises, mount } from '@vue/test-utils'
import { Button, Cell, CellGroup, Field } from 'vant'
import { describe, expect, test, vi } from 'vitest'
import { i18n } from '../i18n'
import type { DeviceRequest } from '../lib/device'

const seen: DeviceRequest[] = []
vi.mock('../lib/app', () => ({
  cached: async <T>(_key: string, load: () => Promise<T | undefined>) => ({ value: await load(), live: true }),
  locate: async () => ({ lng: 124.9, lat: 46.6, accuracy: 5 }),
  newKey: (p: string) => p,
  queue: {},
  send: async (req: DeviceRequest) => {
    seen.push(req)
    if (req.path !== '/api/v1/workforce/device/categories') return { status: 404, body: {} }
    return {
      status: 200,
      body: {
        items: [
          { code: 'city', name: '市容环境', name_en: 'City appearance', leaf: false, children: [{ code: 'city.garbage', name: '暴露垃圾', name_en: 'Exposed garbage', leaf: true }] },
        ],
      },
    }
  },
  syncNow: async () => {},
}))

const ReportView = (await import('./ReportView.vue')).default

describe('the report screen', () => {
  test('loads the categories by the device’s signed request, with no browser session', async () => {
    const fetch = vi.fn(async () => new Response('{"status":401}', { status: 401 }))
    vi.stubGlobal('fetch', fetch)
    const w = mount(ReportView, {
      global: { plugins: [i18n], components: { VanButton: Button, VanCell: Cell, VanCellGroup: CellGroup, VanField: Field }, stubs: { RouterLink: true } },
    })
    await flushPromises()
    expect(seen.map((r) => [r.method, r.path])).toEqual([['GET', '/api/v1/workforce/device/categories']])
    expect(fetch).not.toHaveBeenCalled()
    const options = w.findAll('[data-testid="report-category"] option').map((o) => o.attributes('value'))
    expect(options).toEqual(['', 'city.garbage'])
    w.unmount()
  })
})
