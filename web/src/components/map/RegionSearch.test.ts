import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { i18n } from '../../i18n'
import { jsonResponse, problemResponse, sentRequest, stubFetch } from '../../test/http'
import { makeRegion } from '../../test/map'
import RegionSearch from './RegionSearch.vue'

let wrapper: VueWrapper

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

afterEach(() => wrapper.unmount())

async function type(text: string): Promise<void> {
  await wrapper.get('input[data-testid="region-search-input"]').setValue(text)
}

async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 5))
  await flushPromises()
}

describe('RegionSearch', () => {
  it('searches once the user stops typing and lists the matches', async () => {
    const fetch = stubFetch(
      jsonResponse(200, {
        items: [
          makeRegion({ code: '990101001001', name: '幸福社区', level: 'village' }),
          makeRegion({ code: '990101001001001', name: '幸福社区第1网格', level: 'grid' }),
        ],
      }),
    )
    wrapper = mount(RegionSearch, { props: { debounceMs: 1 }, global: { plugins: [i18n] } })
    await type('幸')
    await type('幸福')
    await settle()
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(sentRequest(fetch).url).toBe(`/api/v1/regions/search?q=${encodeURIComponent('幸福')}`)
    const results = wrapper.get('[data-testid="region-search-results"]')
    expect(results.findAll('.name').map((b) => b.text())).toEqual(['幸福社区', '幸福社区第1网格'])
    expect(results.findAll('.meta').map((b) => b.text())).toEqual(['社区村 · 990101001001', '网格 · 990101001001001'])

    await wrapper.get('[data-testid="region-result-990101001001001"]').trigger('click')
    expect(wrapper.emitted('select')).toEqual([['990101001001001']])
    expect(wrapper.find('[data-testid="region-search-results"]').exists()).toBe(false)
  })

  it('searches at once on Enter, and says when nothing matches', async () => {
    const fetch = stubFetch(jsonResponse(200, { items: [] }))
    wrapper = mount(RegionSearch, { props: { debounceMs: 10_000 }, global: { plugins: [i18n] } })
    await type('990199')
    await wrapper.get('input[data-testid="region-search-input"]').trigger('keydown', { key: 'Enter' })
    await settle()
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(wrapper.get('[data-testid="region-search-empty"]').text()).toBe('无')
  })

  it('does not ask about an empty box, and shows why a search failed', async () => {
    const fetch = stubFetch(problemResponse(403, { code: 'forbidden', detail: 'you may not read the grid map' }))
    wrapper = mount(RegionSearch, { props: { debounceMs: 1 }, global: { plugins: [i18n] } })
    await type('   ')
    await settle()
    expect(fetch).not.toHaveBeenCalled()
    await type('红旗')
    await settle()
    const error = wrapper.get('[data-testid="region-search-error"]').text()
    expect(error).toContain('搜索失败')
    expect(error).toContain('you may not read the grid map')
  })

  it('shows only the answer to the latest search', async () => {
    let answer!: (r: Response) => void
    const fetch = vi
      .fn<typeof globalThis.fetch>()
      .mockImplementationOnce(() => new Promise<Response>((resolve) => (answer = resolve)))
      .mockResolvedValueOnce(jsonResponse(200, { items: [makeRegion({ code: '990102', name: '胜利区' })] }))
    vi.stubGlobal('fetch', fetch)
    wrapper = mount(RegionSearch, { props: { debounceMs: 1 }, global: { plugins: [i18n] } })
    await type('红')
    await settle()
    await type('胜利')
    await settle()
    answer(jsonResponse(200, { items: [makeRegion({ code: '990101', name: '红旗区' })] }))
    await settle()
    expect(wrapper.find('[data-testid="region-result-990101"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="region-result-990102"]').exists()).toBe(true)
  })
})
