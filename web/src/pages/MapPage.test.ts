import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { defineComponent, h } from 'vue'
import type { Role } from '../api/types'
import { i18n } from '../i18n'
import { refreshSession } from '../session'
import { jsonResponse, makeMe } from '../test/http'
import { makeCityDetail, makeGridDetail, makeLocate, makeOutline, makeRegion, makeReport } from '../test/map'
import MapPage from './MapPage.vue'

// OpenLayers needs a canvas, which happy-dom lacks: the page is tested with a
// stand-in map that records what it was given and can be clicked.
const fitBbox = vi.fn()
const refresh = vi.fn()
vi.mock('../components/map/GridMap.vue', () => ({
  __esModule: true,
  default: defineComponent({
    name: 'GridMap',
    props: ['config', 'visibility', 'highlight', 'coverage'],
    emits: ['pick'],
    setup(props, { emit, expose }) {
      expose({ fitBbox, refresh })
      return () =>
        h('div', {
          'data-testid': 'grid-map',
          'data-highlight': props.highlight?.properties?.code ?? '',
          'data-findings': props.coverage ? 'yes' : 'no',
          'data-police': String(props.visibility?.police),
          onClick: () => emit('pick', { lng: 124.805, lat: 46.105, feature: null }),
        })
    },
  }),
}))

const ANSWERS: Record<string, () => Response> = {
  '/api/v1/map/config': () => jsonResponse(200, { base_map_url: '', bbox: [124.7, 46, 125.1, 46.4], version: 1 }),
  '/api/v1/regions': () => jsonResponse(200, { items: [makeRegion()] }),
  '/api/v1/regions/990100': () => jsonResponse(200, makeCityDetail()),
  '/api/v1/regions/990100/geometry': () => jsonResponse(200, makeOutline('990100')),
  '/api/v1/regions/990100/check': () => jsonResponse(200, makeReport()),
  '/api/v1/regions/990101001001001/geometry': () => jsonResponse(200, makeOutline()),
  '/api/v1/locate?lng=124.805&lat=46.105': () => jsonResponse(200, makeLocate()),
  '/api/v1/regions/990101001001001': () => jsonResponse(200, makeGridDetail()),
}

let wrapper: VueWrapper

async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await flushPromises()
    await new Promise((r) => setTimeout(r, 0))
  }
}

async function openAs(role: Role): Promise<void> {
  vi.stubGlobal(
    'fetch',
    vi.fn<typeof fetch>(async (input) => {
      const url = String(input)
      if (url === '/api/v1/me') return jsonResponse(200, makeMe({ role }))
      const answer = ANSWERS[url]
      if (!answer) throw new Error(`unexpected request ${url}`)
      return answer()
    }),
  )
  await refreshSession()
  wrapper = mount(MapPage, { global: { plugins: [i18n] }, attachTo: document.body })
  await settle()
}

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  fitBbox.mockClear()
})

afterEach(() => {
  wrapper.unmount()
  document.body.innerHTML = ''
})

describe('MapPage', () => {
  it('gives the map its settings and shows a hint until something is chosen', async () => {
    await openAs('worker')
    expect(wrapper.find('[data-testid="grid-map"]').exists()).toBe(true)
    expect(wrapper.get('[data-testid="details-panel"]').text()).toContain('点击地图上的位置')
    expect(wrapper.get('[data-testid="region-node-990100"]').text()).toContain('示范市')
    expect(wrapper.find('[data-testid="region-import-open"]').exists()).toBe(false)
  })

  it('shows a region chosen in the tree, zooms to it, and runs its coverage check', async () => {
    await openAs('center')
    await wrapper.get('[data-testid="region-node-990100"]').trigger('click')
    await settle()
    expect(wrapper.get('[data-testid="region-details-name"]').text()).toContain('示范市')
    expect(fitBbox).toHaveBeenCalledWith([124.7, 46.0, 125.1, 46.4])
    expect(wrapper.get('[data-testid="grid-map"]').attributes('data-highlight')).toBe('990100')

    await wrapper.get('[data-testid="coverage-check"]').trigger('click')
    await settle()
    expect(wrapper.get('[data-testid="coverage-report"]').text()).toContain('覆盖检查：示范市')
    expect(wrapper.get('[data-testid="grid-map"]').attributes('data-findings')).toBe('yes')
    await wrapper.get('[data-testid="coverage-close"]').trigger('click')
    await settle()
    expect(wrapper.find('[data-testid="coverage-report"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="grid-map"]').attributes('data-findings')).toBe('no')
  })

  it('shows what lies where the map was clicked', async () => {
    await openAs('worker')
    await wrapper.get('[data-testid="grid-map"]').trigger('click')
    await settle()
    expect(wrapper.get('[data-testid="place-details"]').text()).toContain('幸福驿站')
    expect(wrapper.get('[data-testid="region-chain"]').findAll('button')).toHaveLength(5)
    expect(wrapper.get('[data-testid="grid-map"]').attributes('data-highlight')).toBe('990101001001001')
  })

  it('passes the layer switches to the map', async () => {
    await openAs('worker')
    expect(wrapper.get('[data-testid="grid-map"]').attributes('data-police')).toBe('false')
    await wrapper.get('[data-testid="layer-police"] input').setValue(true)
    expect(wrapper.get('[data-testid="grid-map"]').attributes('data-police')).toBe('true')
  })

  it('offers the import to administrators', async () => {
    await openAs('admin')
    await wrapper.get('[data-testid="region-import-open"]').trigger('click')
    await settle()
    expect(document.body.querySelector('[data-testid="region-import-dialog"]')).not.toBeNull()
  })
})
