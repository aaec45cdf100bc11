import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { i18n } from '../../i18n'
import { makeReport } from '../../test/map'
import CoverageReport from './CoverageReport.vue'

let wrapper: VueWrapper

async function mountReport(report = makeReport()): Promise<void> {
  wrapper = mount(CoverageReport, { props: { report }, global: { plugins: [i18n] }, attachTo: document.body })
  await flushPromises()
}

function rows(): string[][] {
  return wrapper
    .get('[data-testid="coverage-table"]')
    .findAll('tbody tr')
    .map((tr) => tr.findAll('td').map((td) => td.text().replace(/\s+/g, ' ').trim()))
}

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

afterEach(() => wrapper.unmount())

describe('CoverageReport', () => {
  it('lists each parent with its coverage, gap and overlap, the troubled ones first', async () => {
    await mountReport()
    expect(wrapper.text()).toContain('覆盖检查：示范市')
    const headers = wrapper.get('[data-testid="coverage-table"]').findAll('thead th').map((th) => th.text().trim())
    expect(headers).toEqual(['上级区域', '层级', '面积', '覆盖率', '缺口面积', '重叠面积', '越界下级'])
    expect(rows()).toEqual([
      ['红旗区 990101', '区县', '300,000,000 m²', '99.99%', '12,346 m²', '2,500 m²', '990101003'],
      ['示范市 990100', '市', '1,200,000,000 m²', '100%', '0 m²', '0 m²', '0'],
    ])
  })

  it('sums up what it found and lists the invalid boundaries', async () => {
    await mountReport()
    const summary = wrapper.get('[data-testid="coverage-summary"]').text()
    expect(summary).toContain('已检查上级区域：2')
    expect(summary).toContain('有缺口：1')
    expect(summary).toContain('有重叠：1')
    expect(summary).toContain('边界无效：1')
    expect(summary).toContain('缺口总面积：12,346 m²')
    expect(wrapper.get('[data-testid="coverage-invalid"]').text()).toContain('990101004')
    expect(wrapper.get('[data-testid="coverage-invalid"]').text()).toContain('self-intersection')
    expect(wrapper.text()).not.toContain('完整覆盖')
  })

  it('says so when everything is covered once', async () => {
    const report = makeReport()
    report.parents = report.parents.slice(0, 1)
    report.invalid = []
    report.summary = { parents: 1, with_gaps: 0, with_overlaps: 0, invalid: 0, total_gap_area_m2: 0, total_overlap_area_m2: 0 }
    await mountReport(report)
    expect(wrapper.text()).toContain('每个上级区域都被下级区域完整覆盖，且没有重叠。')
    expect(wrapper.find('[data-testid="coverage-invalid"]').exists()).toBe(false)
  })

  it('opens a parent when its row is clicked, and closes', async () => {
    await mountReport()
    await wrapper.get('[data-testid="coverage-table"] tbody tr').trigger('click')
    expect(wrapper.emitted('select')).toEqual([['990101']])
    await wrapper.get('[data-testid="coverage-close"]').trigger('click')
    expect(wrapper.emitted('close')).toHaveLength(1)
  })

  it('writes numbers the English way in English', async () => {
    i18n.global.locale.value = 'en'
    await mountReport()
    expect(wrapper.text()).toContain('Coverage check: 示范市')
    expect(rows()[0]).toEqual([
      '红旗区 990101',
      'County',
      '300,000,000 m²',
      '99.99%',
      '12,346 m²',
      '2,500 m²',
      '990101003',
    ])
    expect(wrapper.get('[data-testid="coverage-summary"]').text()).toContain('Total overlap area: 2,500 m²')
  })
})
