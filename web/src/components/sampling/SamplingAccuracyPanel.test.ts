import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import type { SamplingAccuracy } from '../../api/types'
import { i18n } from '../../i18n'
import { routeFetch, type SentCall } from '../../test/http'
import { $, makeRound, settle } from '../../test/registry'
import SamplingAccuracyPanel from './SamplingAccuracyPanel.vue'

let wrapper: VueWrapper
let calls: SentCall[]

const row = (
  code: string,
  name: string,
  level: SamplingAccuracy['level'],
  sampled: number,
  checked: number,
  correct: number,
): SamplingAccuracy => ({
  code,
  name,
  level,
  sampled,
  checked,
  correct,
  accuracy: sampled ? correct / sampled : null,
})

const county = [
  row('990101', '东区', 'county', 5, 4, 3),
  row('990101001', '东风街道', 'township', 5, 4, 3),
  row('990101002', '红旗街道', 'township', 0, 0, 0),
]
const township = [
  row('990101001', '东风街道', 'township', 5, 4, 3),
  row('990101001001', '友谊社区', 'village', 5, 4, 3),
]
const village = [
  row('990101001001', '友谊社区', 'village', 5, 4, 3),
  row('990101001001001', '友谊一网格', 'grid', 4, 4, 3),
  row('990101001001002', '友谊二网格', 'grid', 1, 0, 0),
]

async function open(): Promise<void> {
  ;({ calls } = routeFetch({
    'GET /api/v1/sampling/rounds/3/accuracy': (c: SentCall) => {
      const region = new URL(c.url, 'http://x').searchParams.get('region')
      return { items: region === '990101001' ? township : region === '990101001001' ? village : county }
    },
  }))
  wrapper = mount(SamplingAccuracyPanel, {
    props: { round: makeRound(), refresh: 0 },
    global: { plugins: [i18n] },
    attachTo: document.body,
  })
  await settle()
}

const rows = () =>
  [...document.body.querySelectorAll('[data-testid^="sampling-accuracy-row-"]')].map((e) => e.textContent)

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

afterEach(() => {
  wrapper.unmount()
  document.body.innerHTML = ''
})

describe('SamplingAccuracyPanel', () => {
  it('shows the round’s region with its children, and nothing sampled as a dash', async () => {
    await open()
    expect(calls.map((c) => c.url)).toEqual(['/api/v1/sampling/rounds/3/accuracy'])
    expect($('sampling-accuracy-summary')?.dataset.code).toBe('990101')
    expect($('sampling-accuracy-rate')?.textContent).toBe('60.0%')
    expect($('sampling-accuracy-summary')?.textContent).toContain('抽取 5 条，已核查 4 条，正确 3 条')
    expect(rows()).toEqual(['东风街道', '红旗街道'])
    expect($('sampling-accuracy-rate-990101002')?.textContent).toBe('—')
    expect(document.body.textContent).toContain('街道')
  })

  it('drills down to the grids and back up the trail', async () => {
    await open()
    $('sampling-accuracy-drill-990101001')!.click()
    await settle()
    $('sampling-accuracy-drill-990101001001')!.click()
    await settle()
    expect(calls.at(-1)!.url).toBe('/api/v1/sampling/rounds/3/accuracy?region=990101001001')
    expect(rows()).toEqual(['友谊一网格', '友谊二网格'])
    expect($('sampling-accuracy-rate-990101001001001')?.textContent).toBe('75.0%')
    expect($('sampling-accuracy-drill-990101001001001')).toBeNull() // grids are the bottom
    const trail = [...document.body.querySelectorAll('[data-testid^="sampling-accuracy-crumb-"]')].map(
      (e) => e.textContent,
    )
    expect(trail).toEqual(['东区', '东风街道', '友谊社区'])

    $('sampling-accuracy-crumb-990101')!.click()
    await settle()
    expect(calls.at(-1)!.url).toBe('/api/v1/sampling/rounds/3/accuracy?region=990101')
    expect(rows()).toEqual(['东风街道', '红旗街道'])
    expect(
      [...document.body.querySelectorAll('[data-testid^="sampling-accuracy-crumb-"]')].map((e) => e.textContent),
    ).toEqual(['东区'])
  })

  it('reads the region on show again after checks, and closes', async () => {
    await open()
    $('sampling-accuracy-drill-990101001')!.click()
    await settle()
    await wrapper.setProps({ refresh: 1 })
    await settle()
    expect(calls.at(-1)!.url).toBe('/api/v1/sampling/rounds/3/accuracy?region=990101001')
    $('sampling-accuracy-close')!.click()
    expect(wrapper.emitted('close')).toHaveLength(1)
  })
})
