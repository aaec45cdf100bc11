import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { ElSelect } from 'element-plus'
import type { Role } from '../../api/types'
import { i18n } from '../../i18n'
import { refreshSession } from '../../session'
import { jsonResponse, makeMe, problemResponse, routeFetch, type SentCall } from '../../test/http'
import { $, itemError, settle, type } from '../../test/registry'
import CategoriesPage from './CategoriesPage.vue'
import { garbageLimits, makeCategory, makeTree } from './fixtures'

let wrapper: VueWrapper
let calls: SentCall[]

async function open(role: Role, routes: Record<string, unknown> = {}): Promise<void> {
  calls = routeFetch({ 'GET /api/v1/me': makeMe({ role }), 'GET /api/v1/categories': { items: makeTree() }, ...routes }).calls
  await refreshSession()
  wrapper = mount(CategoriesPage, { global: { plugins: [i18n] }, attachTo: document.body })
  await settle()
}

async function pick(code: string): Promise<void> {
  $(`category-node-${code}`)!.click()
  await settle()
}

const sent = (method: string) => calls.filter((c) => c.method === method)
const value = (testid: string) => ($(testid) as HTMLInputElement).value

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

afterEach(() => {
  wrapper.unmount()
  document.body.innerHTML = ''
})

describe('CategoriesPage', () => {
  it('shows the tree and a leaf with its standards and limits', async () => {
    await open('center')
    expect($('category-node-city_appearance')?.textContent).toContain('市容环境')
    expect($('category-node-safety.gas')).not.toBeNull()
    await pick('city_appearance.exposed_garbage')
    expect($('category-editor-title')?.textContent).toContain('暴露垃圾')
    expect(value('category-registration')).toBe('公共区域有暴露垃圾')
    expect(value('limit-base-handle')).toBe('4')
    expect(value('limit-base-verify')).toBe('0.5')
    expect($('limits-column-base')?.textContent).toContain('默认')
  })

  it('names the categories in English in English, and shows both names to edit', async () => {
    i18n.global.locale.value = 'en'
    await open('center')
    expect($('category-node-city_appearance')?.textContent).toContain('City appearance')
    expect($('category-node-city_appearance')?.textContent).not.toContain('市容环境')
    expect($('category-node-safety.gas')?.textContent).toContain('Gas hazard')
    await pick('city_appearance.exposed_garbage')
    expect($('category-editor-title')?.textContent).toContain('Exposed garbage')
    expect(value('category-name')).toBe('暴露垃圾')
    expect(value('category-name-en')).toBe('Exposed garbage')
    await pick('city_appearance')
    $('category-new-child')!.click()
    await settle()
    expect($('category-editor-title')?.textContent).toContain('City appearance')
  })

  it('names the categories in Chinese in Chinese', async () => {
    await open('center')
    expect($('category-node-city_appearance')?.textContent).toContain('市容环境')
    expect($('category-node-city_appearance')?.textContent).not.toContain('City appearance')
    await pick('city_appearance')
    $('category-new-child')!.click()
    await settle()
    expect($('category-editor-title')?.textContent).toContain('市容环境')
  })

  it('changes the English name by patch', async () => {
    await open('center', {
      'PATCH /api/v1/categories/city_appearance.exposed_garbage': makeCategory({ name_en: 'Exposed rubbish', version: 2 }),
    })
    await pick('city_appearance.exposed_garbage')
    type('category-name-en', 'Exposed rubbish')
    $('category-save')!.click()
    await settle()
    expect(sent('PATCH')[0]!.body).toEqual({ version: 1, name_en: 'Exposed rubbish' })
  })

  it('checks the limits before saving and sends only what changed', async () => {
    await open('center', {
      'PATCH /api/v1/categories/city_appearance.exposed_garbage': makeCategory({ version: 2 }),
    })
    await pick('city_appearance.exposed_garbage')
    type('limit-base-handle', '0')
    $('category-save')!.click()
    await settle()
    expect($('limit-base-handle-error')?.textContent).toBe('须大于 0')
    expect(sent('PATCH')).toHaveLength(0)

    type('limit-base-handle', '3')
    type('category-yellow', '0.7')
    $('category-save')!.click()
    await settle()
    expect(sent('PATCH')[0]!.body).toEqual({
      version: 1,
      limits: { ...garbageLimits, handle: { amount: 3, unit: 'hours' } },
      yellow_at: 0.7,
    })
  })

  it('adds limits for a handling level and places the server refusal in its cell', async () => {
    await open('admin', {
      'PATCH /api/v1/categories/city_appearance.exposed_garbage': problemResponse(400, {
        code: 'invalid',
        errors: [{ field: 'limits.levels.township.handle.amount', reason: 'must be at most 2000 hours' }],
      }),
    })
    await pick('city_appearance.exposed_garbage')
    const add = wrapper.findAllComponents(ElSelect).find((c) => c.attributes('data-testid') === 'limits-add-level')!
    add.vm.$emit('update:modelValue', 'township')
    await settle()
    $('limits-add')!.click()
    await settle()
    expect($('limits-column-township')?.textContent).toContain('街道')
    type('limit-township-handle', '2')
    $('category-save')!.click()
    await settle()
    expect(sent('PATCH')[0]!.body).toEqual({
      version: 1,
      limits: { ...garbageLimits, levels: { township: { handle: { amount: 2, unit: 'hours' } } } },
    })
    expect($('limit-township-handle-error')?.textContent).toBe('must be at most 2000 hours')
  })

  it('creates a leaf under the chosen group', async () => {
    const created = makeCategory({ code: 'city_appearance.posters', name: '乱张贴' })
    await open('center', { 'POST /api/v1/categories': jsonResponse(201, created) })
    await pick('city_appearance')
    $('category-new-child')!.click()
    await settle()
    expect(value('category-code')).toBe('city_appearance.')
    type('category-code', 'city_appearance.posters')
    type('category-name', '乱张贴')
    type('category-name-en', 'Posters')
    type('category-keywords', '小广告，张贴')
    type('category-registration', '乱张贴小广告')
    type('category-closing', '已清除')
    for (const [step, amount] of [['receive', '0.5'], ['register', '0.5'], ['dispatch', '0.5'], ['handle', '1'], ['verify', '0.5']]) {
      type(`limit-base-${step}`, amount!)
    }
    const handleUnit = wrapper.findAllComponents(ElSelect).find((c) => c.attributes('data-testid') === 'limit-base-handle-unit')!
    handleUnit.vm.$emit('update:modelValue', 'days')
    await settle()
    $('category-save')!.click()
    await settle()
    expect(sent('POST')[0]!.body).toEqual({
      code: 'city_appearance.posters',
      parent_code: 'city_appearance',
      name: '乱张贴',
      name_en: 'Posters',
      keywords: ['小广告', '张贴'],
      sort: 0,
      leaf: true,
      yellow_at: 0.8,
      red_at: 1,
      private: false,
      registration_standard: '乱张贴小广告',
      closing_standard: '已清除',
      default_urgency: 'normal',
      limits: { ...garbageLimits, handle: { amount: 1, unit: 'days' } },
    })
    expect(sent('GET').filter((c) => c.url === '/api/v1/categories')).toHaveLength(2)
  })

  it('marks a group private, sending only that flag', async () => {
    await open('admin', {
      'PATCH /api/v1/categories/city_appearance': makeCategory({ code: 'city_appearance', leaf: false, private: true, version: 2 }),
    })
    await pick('city_appearance')
    expect($('category-private')?.classList.contains('is-checked')).toBe(false)
    $('category-private')!.click()
    await settle()
    $('category-save')!.click()
    await settle()
    expect(sent('PATCH')[0]!.body).toEqual({ version: 1, private: true })
  })

  it('deactivates with the version read', async () => {
    await open('center', { 'PATCH /api/v1/categories/safety.gas': makeCategory({ code: 'safety.gas', active: false, version: 2 }) })
    await pick('safety.gas')
    $('category-toggle-active')!.click()
    await settle()
    expect(sent('PATCH')[0]!.body).toEqual({ version: 1, active: false })
  })

  it('wants names before creating a group', async () => {
    await open('admin')
    $('category-new-group')!.click()
    await settle()
    type('category-code', 'traffic')
    $('category-save')!.click()
    await settle()
    await vi.waitFor(() => expect(itemError('category-name')).toBe('请填写此项'))
    expect(sent('POST')).toHaveLength(0)
  })

  it('lets those who only read look without changing', async () => {
    await open('leader')
    expect($('category-new-group')).toBeNull()
    await pick('city_appearance.exposed_garbage')
    expect($('category-save')).toBeNull()
    expect(($('limit-base-handle') as HTMLInputElement).readOnly).toBe(true)
  })
})
