import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { ElTreeSelect } from 'element-plus'
import type { Role } from '../../api/types'
import { i18n } from '../../i18n'
import { refreshSession } from '../../session'
import { emptyResponse, jsonResponse, makeMe, problemResponse, routeFetch, type SentCall } from '../../test/http'
import { $, settle, type } from '../../test/registry'
import CategoryPicker from './CategoryPicker.vue'
import DepartmentPicker from './DepartmentPicker.vue'
import RoutingRulesPage from './RoutingRulesPage.vue'
import { makeDepartment, makeRule, makeTree, pageOf } from './fixtures'

let wrapper: VueWrapper
let calls: SentCall[]

async function open(role: Role, routes: Record<string, unknown> = {}): Promise<void> {
  calls = routeFetch({
    'GET /api/v1/me': makeMe({ role }),
    'GET /api/v1/categories': { items: makeTree() },
    'GET /api/v1/routing-rules': pageOf([makeRule()]),
    ...routes,
  }).calls
  await refreshSession()
  wrapper = mount(RoutingRulesPage, { global: { plugins: [i18n] }, attachTo: document.body })
  await settle()
}

/** Sets a picker found by its test id as the user would by choosing. */
async function choose(component: typeof CategoryPicker | typeof DepartmentPicker, testid: string, value: unknown): Promise<void> {
  const picker = wrapper.findAllComponents(component).find((c) => c.attributes('data-testid') === testid)
  if (!picker) throw new Error(`no picker ${testid}`)
  picker.vm.$emit('update:modelValue', value)
  await settle()
}

/** The labels a category picker offers, depth first. */
function pickerLabels(testid: string): string[] {
  const picker = wrapper.findAllComponents(CategoryPicker).find((c) => c.attributes('data-testid') === testid)
  if (!picker) throw new Error(`no picker ${testid}`)
  type Option = { label: string; children?: Option[] }
  const walk = (options: Option[]): string[] => options.flatMap((o) => [o.label, ...walk(o.children ?? [])])
  return walk(picker.findComponent(ElTreeSelect).props('data') as Option[])
}

const sent = (method: string) => calls.filter((c) => c.method === method)

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

afterEach(() => {
  wrapper.unmount()
  document.body.innerHTML = ''
})

describe('RoutingRulesPage', () => {
  it('lists the rules with category and department names, filtered as asked', async () => {
    await open('center')
    expect($('rule-category-7')?.textContent).toBe('市容环境')
    expect($('rule-lead-7')?.textContent).toBe('萨尔图区城市管理综合执法局')
    expect(document.body.querySelector('[data-testid="rule-table"]')?.textContent).toContain('萨尔图区公安分局')
    await choose(CategoryPicker, 'rule-filter-category', 'safety')
    type('rule-filter-region', '230602')
    $('rule-filters')!.dispatchEvent(new Event('submit'))
    await settle()
    expect(sent('GET').filter((c) => c.url.startsWith('/api/v1/routing-rules')).map((c) => c.url)).toEqual([
      '/api/v1/routing-rules?page=1&page_size=20',
      '/api/v1/routing-rules?category=safety&region=230602&page=1&page_size=20',
    ])
  })

  it('names the categories in English in English: in the table, the pickers and the tester', async () => {
    i18n.global.locale.value = 'en'
    await open('center', {
      'GET /api/v1/routing-rules/resolve': {
        matched: true,
        category: 'city_appearance',
        region_code: '230602001',
        region_path: '/230600/230602/230602001/',
        rule: makeRule(),
        lead: makeDepartment(),
        assisting: [],
      },
    })
    expect($('rule-category-7')?.textContent).toBe('City appearance')
    expect(pickerLabels('rule-filter-category')).toEqual([
      'City appearance (city_appearance)',
      'Exposed garbage (city_appearance.exposed_garbage)',
      'Road damage (city_appearance.road_damage)',
      'Safety hazards (safety)',
      'Gas hazard (safety.gas)',
    ])
    await choose(CategoryPicker, 'route-tester-category', 'city_appearance.exposed_garbage')
    type('route-tester-region', '230602001')
    $('route-tester-submit')!.click()
    await settle()
    expect($('route-tester-rule')?.textContent).toContain('City appearance')
  })

  it('names the categories in Chinese in Chinese', async () => {
    await open('center')
    expect($('rule-category-7')?.textContent).toBe('市容环境')
    expect(pickerLabels('rule-filter-category')[0]).toBe('市容环境 (city_appearance)')
    expect(pickerLabels('route-tester-category')[1]).toBe('暴露垃圾 (city_appearance.exposed_garbage)')
  })

  it('adds a rule with a lead and assisting departments found by name', async () => {
    await open('center', {
      'GET /api/v1/departments': pageOf([makeDepartment(), makeDepartment({ code: '230602-police', name: '萨尔图区公安分局' })]),
      'POST /api/v1/routing-rules': jsonResponse(201, makeRule({ id: 8 })),
    })
    $('rule-new')!.click()
    await settle()
    await choose(CategoryPicker, 'rule-form-category', 'city_appearance.exposed_garbage')
    type('rule-form-region', ' 230602001 ')
    await choose(DepartmentPicker, 'rule-form-lead', '230602-urban')
    await choose(DepartmentPicker, 'rule-form-assisting', ['230602-police'])
    $('rule-form-submit')!.click()
    await settle()
    expect(sent('POST')[0]!.body).toEqual({
      category_code: 'city_appearance.exposed_garbage',
      region_code: '230602001',
      lead_department: '230602-urban',
      assisting: ['230602-police'],
      note: '',
    })
    expect(sent('GET').filter((c) => c.url.startsWith('/api/v1/routing-rules'))).toHaveLength(2)
  })

  it('edits a rule by patch and shows where the server refused it', async () => {
    await open('admin', {
      'PATCH /api/v1/routing-rules/7': problemResponse(400, {
        code: 'invalid',
        errors: [{ field: 'assisting[0]', reason: 'department nope not found' }],
      }),
    })
    $('rule-edit-7')!.click()
    await settle()
    expect(($('rule-form-region') as HTMLInputElement).value).toBe('230602')
    await choose(DepartmentPicker, 'rule-form-assisting', ['nope'])
    $('rule-form-submit')!.click()
    await settle()
    expect(sent('PATCH')[0]!.body).toEqual({ version: 2, assisting: ['nope'] })
    await vi.waitFor(() => expect($('rule-form')?.textContent).toContain('department nope not found'))
  })

  it('deletes a rule at the version read once confirmed', async () => {
    await open('center', { 'DELETE /api/v1/routing-rules/7': emptyResponse() })
    $('rule-delete-7')!.click()
    await settle()
    const confirm = await vi.waitFor(() => {
      const b = document.body.querySelector<HTMLButtonElement>('.el-popconfirm__action .el-button--primary')
      if (!b) throw new Error('no confirmation yet')
      return b
    })
    confirm.click()
    await settle()
    expect(sent('DELETE').map((c) => c.url)).toEqual(['/api/v1/routing-rules/7?version=2'])
  })

  it('tries a route and shows the department and the rule', async () => {
    await open('worker', {
      'GET /api/v1/routing-rules/resolve': {
        matched: true,
        category: 'city_appearance.exposed_garbage',
        region_code: '230602001',
        region_path: '/230600/230602/230602001/',
        rule: makeRule(),
        lead: makeDepartment(),
        assisting: [makeDepartment({ code: '230602-police', name: '萨尔图区公安分局' })],
      },
    })
    expect($('rule-new')).toBeNull()
    expect($('rule-edit-7')).toBeNull()
    await choose(CategoryPicker, 'route-tester-category', 'city_appearance.exposed_garbage')
    type('route-tester-region', '230602001')
    $('route-tester-submit')!.click()
    await settle()
    expect(sent('GET').at(-1)!.url).toBe('/api/v1/routing-rules/resolve?category=city_appearance.exposed_garbage&region=230602001')
    expect($('route-tester-lead')?.textContent).toBe('萨尔图区城市管理综合执法局')
    expect($('route-tester-assisting')?.textContent).toBe('萨尔图区公安分局')
    expect($('route-tester-rule')?.textContent).toContain('#7')
  })

  it('says when no rule applies', async () => {
    await open('center', {
      'GET /api/v1/routing-rules/resolve': { matched: false, category: 'livelihood.water', region_code: '230602', region_path: '/230600/230602/', assisting: [] },
    })
    await choose(CategoryPicker, 'route-tester-category', 'safety.gas')
    type('route-tester-region', '230602')
    $('route-tester-submit')!.click()
    await settle()
    expect($('route-tester-result')?.textContent).toContain('没有适用的规则')
  })
})
