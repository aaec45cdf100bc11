import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { i18n } from '../../i18n'
import { jsonResponse, problemResponse } from '../../test/http'
import { makeRegion } from '../../test/map'
import RegionTree from './RegionTree.vue'

const CHILDREN: Record<string, ReturnType<typeof makeRegion>[]> = {
  '': [makeRegion()],
  '990100': [
    makeRegion({ code: '990101', name: '红旗区', level: 'county', parent_code: '990100' }),
    makeRegion({ code: '990102', name: '胜利区', level: 'county', parent_code: '990100' }),
  ],
  '990101': [makeRegion({ code: '990101001', name: '东风街道', level: 'township', parent_code: '990101' })],
  '990101001': [makeRegion({ code: '990101001001', name: '幸福社区', level: 'village', parent_code: '990101001' })],
  '990101001001': [
    makeRegion({ code: '990101001001001', name: '幸福社区第1网格', level: 'grid', parent_code: '990101001001' }),
  ],
}

/** Answers GET /api/v1/regions[?parent=] from CHILDREN. */
function stubTree(fail: Set<string> = new Set()) {
  const mock = vi.fn<typeof fetch>(async (input) => {
    const url = new URL(String(input), 'http://x')
    const parent = url.searchParams.get('parent') ?? ''
    if (fail.has(parent)) return problemResponse(500, { code: 'internal', detail: 'database is locked' })
    return jsonResponse(200, { items: CHILDREN[parent] ?? [] })
  })
  vi.stubGlobal('fetch', mock)
  return mock
}

let wrapper: VueWrapper

async function settle(): Promise<void> {
  await flushPromises()
  await new Promise((r) => setTimeout(r, 0))
  await flushPromises()
}

function node(code: string) {
  return wrapper.get(`[data-testid="region-node-${code}"]`)
}

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

afterEach(() => wrapper.unmount())

describe('RegionTree', () => {
  it('loads the top of the scope, then each level when it is opened, and says which was clicked', async () => {
    const fetch = stubTree()
    wrapper = mount(RegionTree, { global: { plugins: [i18n] } })
    await settle()
    expect(fetch.mock.calls.map((c) => String(c[0]))).toEqual(['/api/v1/regions'])
    expect(node('990100').text()).toContain('示范市')
    expect(node('990100').text()).toContain('市')
    expect(wrapper.find('[data-testid="region-node-990101"]').exists()).toBe(false)

    await node('990100').trigger('click')
    await settle()
    expect(String(fetch.mock.calls[1]?.[0])).toBe('/api/v1/regions?parent=990100')
    expect(node('990101').text()).toContain('红旗区')
    expect(node('990102').text()).toContain('区县')
    expect(wrapper.emitted('select')).toEqual([['990100']])
  })

  it('treats grids as leaves and never asks for their children', async () => {
    const fetch = stubTree()
    wrapper = mount(RegionTree, { global: { plugins: [i18n] } })
    await settle()
    for (const code of ['990100', '990101', '990101001', '990101001001']) {
      await node(code).trigger('click')
      await settle()
    }
    const calls = fetch.mock.calls.length
    const grid = node('990101001001001')
    expect(grid.attributes('data-level')).toBe('grid')
    expect(grid.element.closest('.el-tree-node')?.querySelector('.is-leaf')).not.toBeNull()
    await grid.trigger('click')
    await settle()
    expect(fetch.mock.calls.length).toBe(calls)
    expect(wrapper.emitted('select')?.at(-1)).toEqual(['990101001001001'])
  })

  it('opens the tree down to a region chosen elsewhere', async () => {
    stubTree()
    wrapper = mount(RegionTree, { global: { plugins: [i18n] }, attachTo: document.body })
    await settle()
    const tree = wrapper.vm as unknown as { reveal(codes: string[]): Promise<void> }
    await tree.reveal(['990100', '990101', '990101001', '990101001001', '990101001001001'])
    await settle()
    const grid = node('990101001001001')
    expect(grid.element.closest('.el-tree-node')?.classList.contains('is-current')).toBe(true)
  })

  it('shows why a level could not be loaded and loads again on retry', async () => {
    const fail = new Set([''])
    stubTree(fail)
    wrapper = mount(RegionTree, { global: { plugins: [i18n] } })
    await settle()
    const error = wrapper.get('[data-testid="region-tree-error"]')
    expect(error.text()).toContain('区域加载失败')
    expect(error.text()).toContain('database is locked')

    fail.clear()
    await error.get('button').trigger('click')
    await settle()
    expect(wrapper.find('[data-testid="region-tree-error"]').exists()).toBe(false)
    expect(node('990100').text()).toContain('示范市')
  })
})
