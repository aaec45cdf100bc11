import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { ElInputNumber, ElSelect } from 'element-plus'
import type { Router } from 'vue-router'
import { setCsrfToken } from '../../api/client'
import type { PersonSearch } from '../../api/types'
import { i18n } from '../../i18n'
import PersonsPage from '../../pages/registry/PersonsPage.vue'
import { refreshSession } from '../../session'
import { jsonResponse, makeMe, stubFetch } from '../../test/http'
import { $, ID_NUMBER, PHONE, makePerson, registryRouter, settle, type } from '../../test/registry'
import PersonSearchForm from './PersonSearchForm.vue'

let wrapper: VueWrapper

/** Picks a value in an Element Plus select or number input, as the user would. */
async function choose(component: 'select' | 'number', testid: string, value: unknown): Promise<void> {
  const all = component === 'select' ? wrapper.findAllComponents(ElSelect) : wrapper.findAllComponents(ElInputNumber)
  const found = all.find((c) => c.attributes('data-testid') === testid)
  if (!found) throw new Error(`no ${testid}`)
  found.vm.$emit('update:modelValue', value)
  await settle()
}

async function submit(): Promise<void> {
  $('person-search-form')!.dispatchEvent(new Event('submit'))
  await settle()
}

async function signIn(scopeCode = '230602'): Promise<void> {
  stubFetch(jsonResponse(200, makeMe({ role: 'worker', scope: { kind: 'region', code: scopeCode, name: '萨尔图区' } })))
  await refreshSession()
}

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  setCsrfToken('csrf-search')
})

afterEach(() => {
  wrapper.unmount()
  setCsrfToken('')
  document.body.innerHTML = ''
})

describe('PersonSearchForm', () => {
  it('hands over every criterion typed, trimmed, and nothing left empty', async () => {
    await signIn()
    wrapper = mount(PersonSearchForm, { global: { plugins: [i18n] }, attachTo: document.body })
    expect(($('person-search-region') as HTMLInputElement).value).toBe('230602')

    type('person-search-name', ' 刘 ')
    type('person-search-id-number', ` ${ID_NUMBER} `)
    type('person-search-phone', PHONE)
    await choose('select', 'person-search-tag', 'low_income')
    await choose('select', 'person-search-residence-type', 'floating')
    await choose('number', 'person-search-age-min', 60)
    await submit()

    const [[query]] = wrapper.emitted('search') as [[PersonSearch]]
    expect(query).toEqual({
      name: '刘',
      id_number: ID_NUMBER,
      phone: PHONE,
      tag: 'low_income',
      residence_type: 'floating',
      age_min: 60,
      region: '230602',
    })
  })

  it('offers the known tags and residence types in words', async () => {
    await signIn()
    wrapper = mount(PersonSearchForm, { global: { plugins: [i18n] }, attachTo: document.body })
    const select = wrapper.findAllComponents(ElSelect).find((c) => c.attributes('data-testid') === 'person-search-tag')!
    await select.get('.el-select__wrapper').trigger('click')
    await settle()
    const options = [...document.body.querySelectorAll('[data-testid^="person-search-tag-"]')].map((o) =>
      o.textContent?.trim(),
    )
    expect(options).toEqual([
      '独居老人',
      '空巢老人',
      '孤寡老人',
      '残疾人',
      '低保户',
      '留守儿童',
      '严重精神障碍患者',
      '社区戒毒人员',
      '社区矫正对象',
      '刑满释放人员',
      '重点信访人员',
    ])
  })

  it('starts again from the user’s own area on reset', async () => {
    await signIn()
    wrapper = mount(PersonSearchForm, { global: { plugins: [i18n] }, attachTo: document.body })
    type('person-search-id-number', ID_NUMBER)
    type('person-search-region', '230602001')
    await settle()
    $('person-search-reset')!.click()
    await settle()
    expect(wrapper.emitted('search')).toEqual([[{ region: '230602' }]])
    expect(($('person-search-id-number') as HTMLInputElement).value).toBe('')
  })

  it('shows the reason the server gives next to the field', async () => {
    await signIn()
    wrapper = mount(PersonSearchForm, {
      props: { errors: { id_number: 'check digit should be X, not 1' } },
      global: { plugins: [i18n] },
      attachTo: document.body,
    })
    const item = $('person-search-id-number')!.closest('.el-form-item')!
    await vi.waitFor(() =>
      expect(item.querySelector('.el-form-item__error')?.textContent).toContain('check digit should be X, not 1'),
    )
  })
})

describe('PersonsPage', () => {
  let router: Router
  let fetch: ReturnType<typeof vi.fn<typeof globalThis.fetch>>
  const bodies: unknown[] = []

  async function open(pages: { items: ReturnType<typeof makePerson>[]; next_after?: number }[]): Promise<void> {
    await signIn()
    bodies.length = 0
    let n = 0
    fetch = vi.fn<typeof globalThis.fetch>(async (input, init) => {
      if (String(input) !== '/api/v1/persons/search') throw new Error(`unexpected request ${String(input)}`)
      bodies.push(JSON.parse(String(init?.body)))
      return jsonResponse(200, pages[Math.min(n++, pages.length - 1)])
    })
    vi.stubGlobal('fetch', fetch)
    router = registryRouter()
    await router.push('/registry/persons')
    wrapper = mount(PersonsPage, { props: { pageSize: 2 }, global: { plugins: [i18n, router] }, attachTo: document.body })
    await settle()
  }

  it('sends ID number and phone only in the body, and keeps them out of the URL and the route', async () => {
    await open([{ items: [makePerson({ id: 1 }), makePerson({ id: 2 })] }, { items: [makePerson()] }])
    expect(bodies[0]).toEqual({ region: '230602', limit: 2 })

    type('person-search-id-number', ID_NUMBER)
    type('person-search-phone', PHONE)
    await submit()

    expect(bodies[1]).toEqual({ id_number: ID_NUMBER, phone: PHONE, region: '230602', limit: 2 })
    for (const [url, init] of fetch.mock.calls) {
      expect(init?.method).toBe('POST')
      expect(decodeURIComponent(String(url))).not.toContain(ID_NUMBER)
      expect(decodeURIComponent(String(url))).not.toContain(PHONE)
    }
    expect(router.currentRoute.value.fullPath).toBe('/registry/persons')
    expect(router.currentRoute.value.query).toEqual({})
    expect(window.location.href).not.toContain(ID_NUMBER)
    expect($('person-id-number-42')?.textContent).toBe('230602********003X')
    expect($('persons-more')).toBeNull()
  })

  it('loads the next page after the last id and adds it to the table', async () => {
    const first = { items: [makePerson({ id: 1, name: '甲' }), makePerson({ id: 2, name: '乙' })], next_after: 2 }
    await open([first, first, { items: [makePerson({ id: 3, name: '丙' })] }])
    type('person-search-name', '刘')
    await submit()
    expect($('persons-count')?.textContent).toContain('已显示 2 人')
    $('persons-more')!.click()
    await settle()

    expect(bodies[2]).toEqual({ name: '刘', region: '230602', after: 2, limit: 2 })
    expect([...document.body.querySelectorAll('[data-testid^="person-link-"]')].map((a) => a.textContent?.trim())).toEqual(
      ['甲', '乙', '丙'],
    )
    expect($('persons-more')).toBeNull()
    expect($('persons-count')?.textContent).toContain('共 3 人')
  })
})
