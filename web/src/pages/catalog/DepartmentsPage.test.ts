import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { ElPagination, ElSelect } from 'element-plus'
import type { Role } from '../../api/types'
import { i18n } from '../../i18n'
import { refreshSession } from '../../session'
import { makeMe, problemResponse, routeFetch, type SentCall } from '../../test/http'
import { $, itemError, settle, type } from '../../test/registry'
import DepartmentsPage from './DepartmentsPage.vue'
import { makeDepartment, pageOf } from './fixtures'

let wrapper: VueWrapper
let calls: SentCall[]

async function open(role: Role, routes: Record<string, unknown>): Promise<void> {
  calls = routeFetch({ 'GET /api/v1/me': makeMe({ role, scope: { kind: 'region', code: '230602', name: '萨尔图区' } }), ...routes }).calls
  await refreshSession()
  wrapper = mount(DepartmentsPage, { props: { pageSize: 2 }, global: { plugins: [i18n] }, attachTo: document.body })
  await settle()
}

const listed = () => calls.filter((c) => c.method === 'GET' && c.url.startsWith('/api/v1/departments')).map((c) => c.url)
const names = () => [...document.body.querySelectorAll('[data-testid^="department-name-"]')].map((e) => e.textContent?.trim())

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

afterEach(() => {
  wrapper.unmount()
  document.body.innerHTML = ''
})

describe('DepartmentsPage', () => {
  it('lists a page at a time with the total, and sends the filters', async () => {
    const police = makeDepartment({ code: '230602-police', name: '萨尔图区公安分局' })
    await open('center', {
      'GET /api/v1/departments': [
        pageOf([makeDepartment(), police], 3),
        pageOf([makeDepartment({ code: '230602001-enforcement', name: '萨尔图街道综合行政执法队', level: 'township' })], 3, 2),
        pageOf([police], 1),
      ],
    })
    expect(names()).toEqual(['萨尔图区城市管理综合执法局', '萨尔图区公安分局'])
    expect($('departments-count')?.textContent).toContain('共 3 条')
    expect(document.body.querySelector('[data-testid="department-table"]')?.textContent).toContain('区县')

    wrapper.findComponent(ElPagination).vm.$emit('current-change', 2)
    await settle()
    expect(names()).toEqual(['萨尔图街道综合行政执法队'])

    type('department-filter-q', ' 公安 ')
    const level = wrapper.findAllComponents(ElSelect).find((c) => c.attributes('data-testid') === 'department-filter-level')!
    level.vm.$emit('update:modelValue', 'county')
    await settle()
    $('department-filters')!.dispatchEvent(new Event('submit'))
    await settle()
    expect(listed()).toEqual([
      '/api/v1/departments?page=1&page_size=2',
      '/api/v1/departments?page=2&page_size=2',
      `/api/v1/departments?q=${encodeURIComponent('公安')}&level=county&page=1&page_size=2`,
    ])
  })

  it('adds a department and reloads the list', async () => {
    await open('center', {
      'GET /api/v1/departments': pageOf([]),
      'POST /api/v1/departments': makeDepartment(),
    })
    $('department-new')!.click()
    await settle()
    type('department-form-code', ' 230602-urban ')
    type('department-form-name', '萨尔图区城市管理综合执法局')
    type('department-form-region', '230602')
    $('department-form-submit')!.click()
    await settle()
    const post = calls.find((c) => c.method === 'POST')!
    expect(post.body).toEqual({ code: '230602-urban', name: '萨尔图区城市管理综合执法局', region_code: '230602' })
    expect(listed()).toHaveLength(2)
  })

  it('wants the required fields before it asks the server', async () => {
    await open('admin', { 'GET /api/v1/departments': pageOf([]) })
    $('department-new')!.click()
    await settle()
    $('department-form-submit')!.click()
    await settle()
    await vi.waitFor(() => expect(itemError('department-form-code')).toBe('请填写此项'))
    expect(calls.some((c) => c.method === 'POST')).toBe(false)
  })

  it('sends only what changed with the version read, and says when someone else was first', async () => {
    await open('center', {
      'GET /api/v1/departments': pageOf([makeDepartment({ version: 3 })]),
      'PATCH /api/v1/departments/230602-urban': problemResponse(409, {
        code: 'conflict',
        detail: 'the department was changed by someone else; reload and try again',
        errors: [{ field: 'version', reason: 'is 3, the department is at 4' }],
      }),
    })
    $('department-edit-230602-urban')!.click()
    await settle()
    expect(($('department-form-code') as HTMLInputElement).disabled).toBe(true)
    type('department-form-name', '萨尔图区城管局')
    $('department-form-submit')!.click()
    await settle()
    const patch = calls.find((c) => c.method === 'PATCH')!
    expect(patch.body).toEqual({ version: 3, name: '萨尔图区城管局' })
    expect($('department-form-error')?.textContent).toContain('数据已被他人修改')
  })

  it('shows the server reason next to the field', async () => {
    await open('center', {
      'GET /api/v1/departments': pageOf([]),
      'POST /api/v1/departments': problemResponse(400, {
        code: 'invalid',
        errors: [{ field: 'region_code', reason: 'region 230600 not found' }],
      }),
    })
    $('department-new')!.click()
    await settle()
    type('department-form-code', 'x1')
    type('department-form-name', '市局')
    type('department-form-region', '230600')
    $('department-form-submit')!.click()
    await settle()
    await vi.waitFor(() => expect(itemError('department-form-region')).toBe('region 230600 not found'))
  })

  it('offers no changes to those who only read', async () => {
    await open('worker', { 'GET /api/v1/departments': pageOf([makeDepartment()]) })
    expect(names()).toEqual(['萨尔图区城市管理综合执法局'])
    expect($('department-new')).toBeNull()
    expect($('department-edit-230602-urban')).toBeNull()
  })
})
