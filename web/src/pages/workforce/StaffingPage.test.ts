import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { i18n } from '../../i18n'
import { refreshSession } from '../../session'
import { makeMe, problemResponse, routeFetch, type SentCall } from '../../test/http'
import { $, settle } from '../../test/registry'
import { GRID1, GRID2, makeStaffing } from './fixtures'
import StaffingPage from './StaffingPage.vue'

let wrapper: VueWrapper
let calls: SentCall[]

const tally = (rate: number | null) => ({ scheduled_days: 20, leave_days: 0, attended_days: 18, late_days: 1, rate })

const county = makeStaffing({
  children: [
    makeStaffing({ region: '230602001', name: '萨尔图街道', level: 'township', staffing_rate: 1, full_time_rate: 0.5 }),
  ],
})
const township = makeStaffing({
  region: '230602001',
  name: '萨尔图街道',
  level: 'township',
  children: [makeStaffing({ region: '230602001001', name: '友谊社区', level: 'village', staffing_rate: 0.5 })],
})

async function open(routes: Record<string, unknown>): Promise<void> {
  calls = routeFetch({ 'GET /api/v1/me': makeMe({ role: 'leader' }), ...routes }).calls
  await refreshSession()
  wrapper = mount(StaffingPage, { props: { initialMonth: '2026-06' }, global: { plugins: [i18n] }, attachTo: document.body })
  await settle()
}

const click = async (testid: string) => {
  const el = $(testid)
  if (!el) throw new Error(`no ${testid}`)
  el.click()
  await settle()
}
const asked = () =>
  calls.filter((c) => c.url.startsWith('/api/v1/workforce/') && !c.url.startsWith('/api/v1/workforce/attendance/workers')).map((c) => c.url)
const perWorker = () => calls.filter((c) => c.url.startsWith('/api/v1/workforce/attendance/workers')).map((c) => c.url)

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

afterEach(() => {
  wrapper.unmount()
  document.body.innerHTML = ''
})

describe('StaffingPage', () => {
  it('shows the rates of the area and its children, drills down and back up', async () => {
    await open({
      'GET /api/v1/workforce/staffing': (c: SentCall) => (c.url.includes('region=230602001') ? township : county),
      'GET /api/v1/workforce/attendance': {
        region: '230602',
        name: '萨尔图区',
        level: 'county',
        from: '2026-06-01',
        to: '2026-06-30',
        workers: 2,
        tally: tally(0.9),
        children: [{ region: '230602001', name: '萨尔图街道', level: 'township', from: '', to: '', workers: 2, tally: tally(0.75) }],
      },
      'GET /api/v1/workforce/attendance/workers': {
        from: '2026-06-01',
        to: '2026-06-30',
        items: [{ worker_id: 5, name: '李四', primary_grid: GRID1, employment: 'full_time', from: '', to: '', tally: tally(0.9) }],
      },
      'GET /api/v1/workforce/staffing/unstaffed': [{ items: [{ code: GRID2, name: '友谊二网格' }], next_after: GRID2 }, { items: [{ code: GRID1, name: '友谊一网格' }] }],
    })
    expect($('staffing-row-230602')?.textContent).toContain('合计')
    expect($('staffing-rate-230602')?.textContent).toBe('50.0%')
    expect($('staffing-rate-230602001')?.textContent).toBe('100.0%')
    expect($('attendance-rate-230602')?.textContent).toBe('90.0%')
    expect($('attendance-rate-230602001')?.textContent).toBe('75.0%')
    expect($('worker-attendance-5')?.textContent).toBe('李四')
    expect($('worker-attendance-table')?.textContent).toContain('18 / 20')
    expect($('unstaffed-table')?.textContent).toContain('友谊二网格')
    await click('unstaffed-more')
    expect($('unstaffed-table')?.textContent).toContain('友谊一网格')
    expect($('staffing-drill-230602')).toBeNull()

    await click('staffing-drill-230602001')
    expect($('staffing-row-230602001001')?.textContent).toContain('友谊社区')
    expect($('staffing-trail')?.textContent).toContain('萨尔图区')
    await click('staffing-up-230602')
    expect($('staffing-row-230602001')?.textContent).toContain('萨尔图街道')
    expect(asked()).toEqual([
      '/api/v1/workforce/staffing',
      '/api/v1/workforce/attendance?month=2026-06',
      '/api/v1/workforce/staffing/unstaffed?limit=100',
      `/api/v1/workforce/staffing/unstaffed?region=230602&after=${GRID2}&limit=100`,
      '/api/v1/workforce/staffing?region=230602001',
      '/api/v1/workforce/attendance?region=230602001&month=2026-06',
      '/api/v1/workforce/staffing/unstaffed?region=230602001&limit=100',
      '/api/v1/workforce/staffing?region=230602',
      '/api/v1/workforce/attendance?region=230602&month=2026-06',
      '/api/v1/workforce/staffing/unstaffed?region=230602&limit=100',
    ])
    expect(perWorker()).toEqual([
      '/api/v1/workforce/attendance/workers?month=2026-06&limit=100',
      '/api/v1/workforce/attendance/workers?region=230602001&month=2026-06&limit=100',
      '/api/v1/workforce/attendance/workers?region=230602&month=2026-06&limit=100',
    ])
  })

  it('shows a refused month with its field', async () => {
    await open({
      'GET /api/v1/workforce/staffing': county,
      'GET /api/v1/workforce/attendance': problemResponse(400, {
        title: 'Bad Request',
        code: 'invalid',
        errors: [{ field: 'month', reason: 'must be YYYY-MM' }],
      }),
      'GET /api/v1/workforce/staffing/unstaffed': { items: [] },
      'GET /api/v1/workforce/attendance/workers': { items: [] },
    })
    expect($('staffing-error')?.textContent).toContain('month: must be YYYY-MM')
  })
})
