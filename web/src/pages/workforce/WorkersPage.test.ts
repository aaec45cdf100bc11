import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import type { Role } from '../../api/types'
import { i18n } from '../../i18n'
import { refreshSession } from '../../session'
import { makeMe, problemResponse, routeFetch, type SentCall } from '../../test/http'
import { $, itemError, settle, type } from '../../test/registry'
import type { Router } from 'vue-router'
import { GRID1, makeWorker, workforceRouter } from './fixtures'
import WorkersPage from './WorkersPage.vue'

let wrapper: VueWrapper
let calls: SentCall[]
let router: Router

async function open(role: Role, routes: Record<string, unknown>, path = '/workforce/workers'): Promise<void> {
  calls = routeFetch({
    'GET /api/v1/me': makeMe({ role }),
    'GET /api/v1/workforce/rebind-requests': { items: [] },
    ...routes,
  }).calls
  await refreshSession()
  router = await workforceRouter(path)
  wrapper = mount(WorkersPage, { props: { pageSize: 2 }, global: { plugins: [i18n, router] }, attachTo: document.body })
  await settle()
}

/** Waits for the error Element Plus shows under a form item (it fades in). */
const shows = (testid: string, reason: string) => vi.waitFor(() => expect(itemError(testid)).toBe(reason))

const click = async (testid: string) => {
  const el = $(testid)
  if (!el) throw new Error(`no ${testid}`)
  el.click()
  await settle()
}
const listed = () => calls.filter((c) => c.method === 'GET' && c.url.startsWith('/api/v1/workforce/workers')).map((c) => c.url)

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

afterEach(() => {
  wrapper.unmount()
  document.body.innerHTML = ''
})

describe('WorkersPage', () => {
  it('lists active workers a page at a time, with their device, and sends the filters', async () => {
    const bound = makeWorker({ id: 6, name: '王五', device: { device_id: 'android-5f3a9c01', bound_at: '2026-06-03T01:00:00Z' } })
    await open('leader', {
      'GET /api/v1/workforce/workers': [
        { items: [makeWorker(), bound], next_after: 6 },
        { items: [makeWorker({ id: 7, name: '赵六', employment: 'part_time' })] },
        { items: [] },
      ],
    })
    expect($('worker-name-5')?.textContent).toBe('李四')
    expect($('worker-device-5')?.textContent).toContain('未绑定')
    expect($('worker-device-6')?.textContent).toContain('android-5f3a9c01')
    expect($('worker-new')).toBeNull()
    expect($('rebinds')).toBeNull()
    await click('workers-more')
    expect($('worker-name-7')?.textContent).toBe('赵六')
    expect($('worker-table')?.textContent).toContain('兼职')

    type('worker-filter-region', ' 230602001 ')
    $('worker-filters')!.dispatchEvent(new Event('submit'))
    await settle()
    expect(listed()).toEqual([
      '/api/v1/workforce/workers?active=true&limit=2',
      '/api/v1/workforce/workers?active=true&after=6&limit=2',
      '/api/v1/workforce/workers?region=230602001&active=true&limit=2',
    ])
    expect(calls.some((c) => c.url.includes('rebind-requests'))).toBe(false)
  })

  it('shows the server’s reason next to a refused filter', async () => {
    await open('center', {
      'GET /api/v1/workforce/workers': problemResponse(400, {
        title: 'Bad Request',
        code: 'invalid',
        errors: [{ field: 'region', reason: 'is outside your area' }],
      }),
    })
    expect($('workers-error')?.textContent).toContain('输入有误')
    await shows('worker-filter-region', 'is outside your area')
  })

  it('issues an enrolment code and shows it once with its expiry', async () => {
    await open('center', {
      'GET /api/v1/workforce/workers': { items: [makeWorker()] },
      'POST /api/v1/workforce/workers/5/enrolments': {
        code: 'K7Q2M9',
        worker_id: 5,
        purpose: 'bind',
        expires_at: '2026-06-03T01:15:00Z',
      },
    })
    await click('worker-enrol-5')
    expect($('enrolment-code')?.textContent).toBe('K7Q2M9')
    expect($('enrolment-expiry')?.textContent).toContain('2026/06/03 09:15')
    await click('enrolment-dismiss')
    expect($('enrolment-code')).toBeNull()
  })

  it('deactivates with the version read, and reloads on a conflict', async () => {
    await open('center', {
      'GET /api/v1/workforce/workers': [{ items: [makeWorker({ version: 3 })] }, { items: [makeWorker({ version: 4 })] }],
      'PATCH /api/v1/workforce/workers/5': problemResponse(409, {
        title: 'Conflict',
        code: 'conflict',
        errors: [{ field: 'version', reason: 'the worker changed: version 4' }],
      }),
    })
    await click('worker-deactivate-5')
    expect($('worker-deactivate-dialog')?.textContent).toContain('李四')
    await click('worker-deactivate-confirm')
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ version: 3, active: false })
    expect($('workers-action-error')?.textContent).toContain('数据已被他人修改')
    expect(listed()).toHaveLength(2)
  })

  it('approves a re-binding request and shows the new code', async () => {
    await open('center', {
      'GET /api/v1/workforce/workers': { items: [makeWorker()] },
      'GET /api/v1/workforce/rebind-requests': [
        { items: [{ id: 2, worker_id: 5, worker_name: '李四', reason: '手机丢失', status: 'pending', requested_by: 12, requested_at: '2026-06-03T01:00:00Z' }] },
        { items: [] },
      ],
      'POST /api/v1/workforce/rebind-requests/2/approve': {
        request: { id: 2, status: 'approved' },
        enrolment: { code: 'N3W9C0', worker_id: 5, purpose: 'rebind', expires_at: '2026-06-03T01:15:00Z' },
      },
    })
    expect($('rebinds')?.textContent).toContain('手机丢失')
    type('rebind-note-2', ' 已核实 ')
    await settle()
    await click('rebind-approve-2')
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ note: '已核实' })
    expect($('enrolment-code')?.textContent).toBe('N3W9C0')
    expect($('rebinds')?.textContent).toContain('没有待审批的申请')
  })

  it('creates a worker and shows refused fields inline', async () => {
    await open('center', {
      'GET /api/v1/workforce/workers': { items: [] },
      'POST /api/v1/workforce/workers': problemResponse(400, {
        title: 'Bad Request',
        code: 'invalid',
        errors: [
          { field: 'grids[0].grid_code', reason: 'is outside your area' },
          { field: 'schedule', reason: 'odd' },
        ],
      }),
    })
    await click('worker-new')
    await click('worker-form-submit')
    await shows('worker-form-name', '请填写此项')
    await shows('worker-form-grid-code-0', '请填写此项')
    expect(calls.some((c) => c.method === 'POST')).toBe(false)

    type('worker-form-name', ' 王五 ')
    type('worker-form-phone', '13812345678')
    type('worker-form-grid-code-0', GRID1)
    const form = wrapper.findComponent({ name: 'ElDatePicker' })
    form.vm.$emit('update:modelValue', '2026-06-01')
    await settle()
    await click('worker-form-submit')
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      name: '王五',
      phone: '13812345678',
      employment: 'full_time',
      hire_date: '2026-06-01',
      grids: [{ grid_code: GRID1, primary: true, grid_chief: false }],
    })
    await shows('worker-form-grid-code-0', 'is outside your area')
    expect($('worker-form-error')?.textContent).toContain('schedule: odd')
  })

  it('patches only what changed, and reads the worker again when it went stale', async () => {
    await open('center', {
      'GET /api/v1/workforce/workers': { items: [makeWorker({ version: 2 })] },
      'PATCH /api/v1/workforce/workers/5': problemResponse(409, { title: 'Conflict', code: 'conflict' }),
      'GET /api/v1/workforce/workers/5': makeWorker({ version: 3, name: '李四一' }),
    })
    await click('worker-edit-5')
    type('worker-form-name', '李四二')
    await settle()
    await click('worker-form-submit')
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ version: 2, name: '李四二' })
    expect($('worker-form-error')?.textContent).toContain('数据已被他人修改')
    expect(($('worker-form-name') as HTMLInputElement).value).toBe('李四一')
  })

  it.each([
    ['?region=230602001', '/api/v1/workforce/workers?region=230602001&active=true&limit=2'],
    ['?grid=' + GRID1, `/api/v1/workforce/workers?grid=${GRID1}&active=true&limit=2`],
    ['?region=230602&employment=part_time&active=any', '/api/v1/workforce/workers?region=230602&employment=part_time&limit=2'],
    ['?active=false', '/api/v1/workforce/workers?active=false&limit=2'],
    ['?active=maybe', '/api/v1/workforce/workers?active=true&limit=2'],
  ])('opens filtered as the link %s says', async (query, want) => {
    await open('leader', { 'GET /api/v1/workforce/workers': { items: [] } }, `/workforce/workers${query}`)
    expect(listed()).toEqual([want])
  })

  it('shows the filters of a link, writes those searched by to the URL and follows the URL', async () => {
    await open('leader', { 'GET /api/v1/workforce/workers': { items: [] } }, `/workforce/workers?region=230602001&grid=${GRID1}`)
    expect(($('worker-filter-region') as HTMLInputElement).value).toBe('230602001')
    expect(($('worker-filter-grid') as HTMLInputElement).value).toBe(GRID1)

    type('worker-filter-grid', '')
    const status = wrapper.findAllComponents({ name: 'ElSelect' }).find((c) => c.attributes('data-testid') === 'worker-filter-active')!
    status.vm.$emit('update:modelValue', '')
    await settle()
    $('worker-filters')!.dispatchEvent(new Event('submit'))
    await settle()
    expect(router.currentRoute.value.fullPath).toBe('/workforce/workers?region=230602001&active=any')
    expect(listed()[1]).toBe('/api/v1/workforce/workers?region=230602001&limit=2')

    await router.push('/workforce/workers?region=230602002')
    await settle()
    expect(listed()[2]).toBe('/api/v1/workforce/workers?region=230602002&active=true&limit=2')
    expect(listed()).toHaveLength(3)
  })

  it('pages on with the filters of the list on show, not those typed since', async () => {
    await open('leader', {
      'GET /api/v1/workforce/workers': [{ items: [makeWorker()], next_after: 5 }, { items: [] }],
    }, '/workforce/workers?region=230602001')
    type('worker-filter-region', '230699')
    await settle()
    await click('workers-more')
    expect(listed()[1]).toBe('/api/v1/workforce/workers?region=230602001&active=true&after=5&limit=2')
  })
})
