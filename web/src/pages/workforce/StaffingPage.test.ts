import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { i18n } from '../../i18n'
import { refreshSession } from '../../session'
import { makeMe, problemResponse, routeFetch, type SentCall } from '../../test/http'
import { $, settle } from '../../test/registry'
import type { Router } from 'vue-router'
import { GRID1, GRID2, makeStaffing, workforceRouter } from './fixtures'
import StaffingPage from './StaffingPage.vue'

let wrapper: VueWrapper
let calls: SentCall[]
let router: Router

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

async function open(routes: Record<string, unknown>, path = '/workforce/staffing'): Promise<void> {
  calls = routeFetch({ 'GET /api/v1/me': makeMe({ role: 'leader' }), ...routes }).calls
  await refreshSession()
  router = await workforceRouter(path)
  wrapper = mount(StaffingPage, { props: { initialMonth: '2026-06' }, global: { plugins: [i18n, router] }, attachTo: document.body })
  await settle()
}

/** Answers for a county with one township, and the township's way up from the city. */
const answers = (more: Record<string, unknown> = {}): Record<string, unknown> => ({
  'GET /api/v1/workforce/staffing': (c: SentCall) => (c.url.includes('region=230602001') ? township : county),
  'GET /api/v1/workforce/attendance': { region: '230602', name: '萨尔图区', level: 'county', from: '', to: '', workers: 2, tally: tally(0.9) },
  'GET /api/v1/workforce/attendance/workers': { items: [] },
  'GET /api/v1/workforce/staffing/unstaffed': { items: [{ code: GRID2, name: '友谊二网格' }] },
  'GET /api/v1/regions/230602001': {
    code: '230602001',
    name: '萨尔图街道',
    level: 'township',
    chain: [
      { code: '230600', name: '大庆市', level: 'city' },
      { code: '230602', name: '萨尔图区', level: 'county' },
      { code: '230602001', name: '萨尔图街道', level: 'township' },
    ],
  },
  ...more,
})

const click = async (testid: string) => {
  const el = $(testid)
  if (!el) throw new Error(`no ${testid}`)
  el.click()
  await settle()
}
const asked = () =>
  calls.filter((c) => c.url.startsWith('/api/v1/workforce/') && !c.url.startsWith('/api/v1/workforce/attendance/workers')).map((c) => c.url)
const trail = () =>
  [...document.body.querySelectorAll('[data-testid="staffing-trail"] .el-breadcrumb__inner')].map((e) => e.textContent?.trim())
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

  it('opens at the region a link names, under the way up from the user’s area, and shows the list it asks for', async () => {
    const scrolled: string[] = []
    HTMLElement.prototype.scrollIntoView = function (this: HTMLElement) {
      scrolled.push(this.dataset.testid ?? '')
    }
    try {
      await open(answers(), '/workforce/staffing?region=230602001&show=unstaffed')
      expect(asked()[0]).toBe('/api/v1/workforce/staffing?region=230602001')
      expect($('staffing-row-230602001001')?.textContent).toContain('友谊社区')
      // The user's area is the county: the city above it is not on the way.
      expect(trail()).toEqual(['萨尔图区', '萨尔图街道'])
      expect(scrolled).toEqual(['unstaffed'])

      await click('staffing-up-230602')
      expect(router.currentRoute.value.query).toEqual({ show: 'unstaffed' })
      expect(asked()).toContain('/api/v1/workforce/staffing?region=230602')
      await click('staffing-drill-230602001')
      expect(router.currentRoute.value.query).toEqual({ show: 'unstaffed', region: '230602001' })
    } finally {
      delete (HTMLElement.prototype as { scrollIntoView?: unknown }).scrollIntoView
    }
  })

  it('writes the month to the URL and follows a month and region in it', async () => {
    await open(answers())
    expect(router.currentRoute.value.query).toEqual({})
    const picker = wrapper.findComponent({ name: 'ElDatePicker' })
    picker.vm.$emit('update:modelValue', '2026-05')
    picker.vm.$emit('change', '2026-05')
    await settle()
    expect(router.currentRoute.value.query).toEqual({ month: '2026-05' })
    expect(asked()).toContain('/api/v1/workforce/attendance?region=230602&month=2026-05')

    await router.push('/workforce/staffing?region=230602001&month=2026-04')
    await settle()
    expect(asked()).toContain('/api/v1/workforce/attendance?region=230602001&month=2026-04')
    expect($('staffing-trail')?.textContent).toContain('萨尔图街道')
  })

  it('still shows the region a link names when its way up cannot be read', async () => {
    await open(answers({ 'GET /api/v1/regions/230602001': problemResponse(404, { title: 'Not Found', code: 'not_found' }) }), '/workforce/staffing?region=230602001')
    expect(trail()).toEqual(['萨尔图街道'])
    expect($('staffing-row-230602001001')?.textContent).toContain('友谊社区')
  })
})
