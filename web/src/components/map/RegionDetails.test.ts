import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { i18n } from '../../i18n'
import { CHAIN, makeCityDetail, makeGridDetail, makeLocate } from '../../test/map'
import PlaceDetails from './PlaceDetails.vue'
import RegionDetails from './RegionDetails.vue'

let wrapper: VueWrapper

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

afterEach(() => wrapper.unmount())

describe('RegionDetails', () => {
  it('shows the chain from the city down, the grid type, area, overlays and stations', async () => {
    wrapper = mount(RegionDetails, {
      props: { region: makeGridDetail({ kind: 'exclusive', subtype: 'school' }) },
      global: { plugins: [i18n] },
    })
    // The table draws its rows once it has measured itself.
    await flushPromises()
    const chain = wrapper.get('[data-testid="region-chain"]')
    expect(chain.findAll('button').map((b) => b.text())).toEqual([
      '示范市',
      '红旗区',
      '东风街道',
      '幸福社区',
      '幸福社区第1网格',
    ])
    expect(chain.text()).toContain('›')
    expect(wrapper.get('[data-testid="region-details-name"]').text()).toContain('幸福社区第1网格')
    expect(wrapper.get('[data-testid="region-details-code"]').text()).toBe('990101001001001')
    expect(wrapper.get('[data-testid="region-details-kind"]').text()).toBe('专属网格')
    expect(wrapper.text()).toContain('学校')
    expect(wrapper.get('[data-testid="region-details-area"]').text()).toBe('1,234,568 m²')

    const overlays = wrapper.get('[data-testid="region-overlays"]').text()
    expect(overlays).toContain('警务网格')
    expect(overlays).toContain('东风警务网格')
    expect(overlays).toContain('60%')
    expect(overlays).toContain('99.99%')
    expect(wrapper.get('[data-testid="region-stations"]').text()).toContain('幸福驿站')
    expect(wrapper.get('[data-testid="region-stations"]').text()).toContain('08:30-17:30')
  })

  it('offers no coverage check for a grid, which has no children', () => {
    wrapper = mount(RegionDetails, { props: { region: makeGridDetail() }, global: { plugins: [i18n] } })
    expect(wrapper.find('[data-testid="coverage-check"]').exists()).toBe(false)
  })

  it('asks for the coverage check of a region above the grids, and for a region of its chain', async () => {
    const county = makeCityDetail({ code: '990101', name: '红旗区', level: 'county', chain: CHAIN.slice(0, 2) })
    wrapper = mount(RegionDetails, { props: { region: county }, global: { plugins: [i18n] } })
    const check = wrapper.get('[data-testid="coverage-check"]')
    expect(check.text()).toBe('覆盖检查')
    await check.trigger('click')
    expect(wrapper.emitted('check')).toEqual([['990101']])
    await wrapper.get('[data-testid="chain-city"]').trigger('click')
    expect(wrapper.emitted('select')).toEqual([['990100']])
    expect(wrapper.find('[data-testid="region-overlays"]').exists()).toBe(false)
  })

  it('leaves out a chain that is only the region itself', () => {
    wrapper = mount(RegionDetails, { props: { region: makeCityDetail() }, global: { plugins: [i18n] } })
    expect(wrapper.find('[data-testid="region-chain"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="region-details-name"]').text()).toContain('示范市')
  })

  it('says when no boundary is drawn yet, and speaks English', async () => {
    i18n.global.locale.value = 'en'
    const { area_m2: _area, bbox: _bbox, ...undrawn } = makeCityDetail()
    wrapper = mount(RegionDetails, { props: { region: undrawn }, global: { plugins: [i18n] } })
    expect(wrapper.get('[data-testid="region-details-area"]').text()).toBe('Boundary not drawn yet')
    expect(wrapper.get('[data-testid="coverage-check"]').text()).toBe('Coverage check')
  })
})

describe('PlaceDetails', () => {
  it('shows the chain, the grid, the overlay networks and the nearest station with its distance', async () => {
    wrapper = mount(PlaceDetails, { props: { place: makeLocate() }, global: { plugins: [i18n] } })
    expect(wrapper.get('[data-testid="region-chain"]').findAll('button')).toHaveLength(5)
    expect(wrapper.get('[data-testid="place-point"]').text()).toBe('124.805000, 46.105000')
    expect(wrapper.get('[data-testid="place-grid"]').text()).toContain('幸福社区第1网格')
    expect(wrapper.get('[data-testid="place-grid"]').text()).toContain('专属网格 · 学校')
    expect(wrapper.get('[data-testid="place-overlay-police"]').text()).toBe('东风警务网格 (JW-001)')
    expect(wrapper.get('[data-testid="place-overlay-mediation"]').text()).toBe('无')
    expect(wrapper.get('[data-testid="place-station"]').text()).toContain('幸福驿站')
    expect(wrapper.get('[data-testid="place-station-distance"]').text()).toContain('1.2 km')

    await wrapper.get('[data-testid="place-grid"] button').trigger('click')
    expect(wrapper.emitted('select')).toEqual([['990101001001001']])
  })

  it('says when the place is in no grid and has no station near', () => {
    wrapper = mount(PlaceDetails, {
      props: { place: makeLocate({ chain: [], grid: null, overlays: {}, nearest_station: null }) },
      global: { plugins: [i18n] },
    })
    expect(wrapper.get('[data-testid="place-no-grid"]').text()).toBe('该位置不在任何网格内')
    expect(wrapper.find('[data-testid="region-chain"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="place-station"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="place-out-of-scope"]').exists()).toBe(false)
  })

  it('says when the place lies outside the user\'s area', () => {
    wrapper = mount(PlaceDetails, { props: { place: makeLocate({ in_scope: false }) }, global: { plugins: [i18n] } })
    expect(wrapper.get('[data-testid="place-out-of-scope"]').text()).toBe('该位置不在您的管辖范围内')
  })

  it('names an overlay network it does not know by the name the server uses', () => {
    wrapper = mount(PlaceDetails, {
      props: { place: makeLocate({ overlays: { fire: [{ code: 'XF-1', name: '消防一区' }] } }) },
      global: { plugins: [i18n] },
    })
    expect(wrapper.get('[data-testid="place-overlay-fire"]').text()).toBe('消防一区 (XF-1)')
    expect(wrapper.text()).toContain('fire')
  })
})
