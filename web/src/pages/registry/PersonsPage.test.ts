import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { defineComponent, h, KeepAlive, type Component } from 'vue'
import { createMemoryHistory, createRouter, RouterView, type Router } from 'vue-router'
import { ElInputNumber, ElSelect } from 'element-plus'
import { setCsrfToken } from '../../api/client'
import { i18n } from '../../i18n'
import { refreshSession } from '../../session'
import { jsonResponse, makeMe } from '../../test/http'
import { $, ID_NUMBER, makePerson, settle, type } from '../../test/registry'
import PersonsPage from './PersonsPage.vue'

let wrapper: VueWrapper
let router: Router
let bodies: Record<string, unknown>[]

const Stub = defineComponent({ render: () => h('div', { 'data-testid': 'stub' }) })

/**
 * Opens path in a console-like shell: the persons page kept alive under a
 * RouterView, as the registry section keeps it, next to a person's page.
 */
async function open(path: string): Promise<void> {
  bodies = []
  vi.stubGlobal(
    'fetch',
    vi.fn<typeof fetch>(async (input, init) => {
      const url = String(input)
      if (url === '/api/v1/me') return jsonResponse(200, makeMe({ role: 'center', scope: { kind: 'region', code: '230602', name: '萨尔图区' } }))
      if (url !== '/api/v1/persons/search') throw new Error(`unexpected request ${url}`)
      bodies.push(JSON.parse(String(init?.body)))
      return jsonResponse(200, { items: [makePerson({ id: bodies.length })] })
    }),
  )
  await refreshSession()
  router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: Stub },
      { path: '/dashboard', name: 'dashboard', component: Stub },
      { path: '/registry/persons', name: 'registry-persons', component: PersonsPage, props: { pageSize: 2 } },
      { path: '/registry/persons/:id', name: 'registry-person', component: Stub },
    ],
  })
  await router.push(path)
  const Shell = defineComponent({
    render: () =>
      h(RouterView, null, { default: ({ Component: page }: { Component: Component }) => h(KeepAlive, null, [h(page)]) }),
  })
  wrapper = mount(Shell, { global: { plugins: [i18n, router] }, attachTo: document.body })
  await settle()
}

const value = (testid: string) => ($(testid) as HTMLInputElement | null)?.value
const selected = (testid: string) =>
  wrapper.findAllComponents(ElSelect).find((c) => c.attributes('data-testid') === testid)?.props('modelValue')
const numberIn = (testid: string) =>
  wrapper.findAllComponents(ElInputNumber).find((c) => c.attributes('data-testid') === testid)?.props('modelValue')

async function choose(testid: string, v: unknown): Promise<void> {
  const select = wrapper.findAllComponents(ElSelect).find((c) => c.attributes('data-testid') === testid)
  if (!select) throw new Error(`no ${testid}`)
  select.vm.$emit('update:modelValue', v)
  await settle()
}

async function submit(): Promise<void> {
  $('person-search-form')!.dispatchEvent(new Event('submit'))
  await settle()
}

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  setCsrfToken('csrf-persons')
})

afterEach(() => {
  wrapper.unmount()
  setCsrfToken('')
  document.body.innerHTML = ''
})

describe('PersonsPage and its URL', () => {
  it.each([
    ['a tag', '?region=230602001&tag=elderly_alone', { region: '230602001', tag: 'elderly_alone' }],
    ['a residence type', '?region=230602001&residence_type=floating', { region: '230602001', residence_type: 'floating' }],
    ['an age band', '?region=230602&age_min=60&age_max=79', { region: '230602', age_min: 60, age_max: 79 }],
    ['an open age band', '?age_min=80', { region: '230602', age_min: 80 }],
    ['ages that are no ages, left out', '?age_min=old&age_max=-3', { region: '230602' }],
    ['a parameter it does not know, ignored', '?name=刘&region=230602001', { region: '230602001' }],
  ])('opens filtered by %s', async (_, query, want) => {
    await open(`/registry/persons${query}`)
    expect(bodies).toEqual([{ ...want, limit: 2 }])
  })

  it('shows the filters of the link in the form', async () => {
    await open('/registry/persons?region=230602001&tag=elderly_alone&residence_type=floating&age_min=60&age_max=79')
    expect(value('person-search-region')).toBe('230602001')
    expect(selected('person-search-tag')).toBe('elderly_alone')
    expect(selected('person-search-residence-type')).toBe('floating')
    expect(numberIn('person-search-age-min')).toBe(60)
    expect(numberIn('person-search-age-max')).toBe(79)
  })

  it('writes the group filters searched by to the URL, never an ID number', async () => {
    await open('/registry/persons')
    expect(bodies).toEqual([{ region: '230602', limit: 2 }])
    type('person-search-id-number', ID_NUMBER)
    type('person-search-region', '230602001')
    await choose('person-search-tag', 'disabled')
    await submit()
    expect(bodies[1]).toEqual({ id_number: ID_NUMBER, tag: 'disabled', region: '230602001', limit: 2 })
    expect(router.currentRoute.value.query).toEqual({ region: '230602001', tag: 'disabled' })
    expect(router.currentRoute.value.fullPath).not.toContain(ID_NUMBER)
    // Writing the URL does not search again.
    expect(bodies).toHaveLength(2)
  })

  it('follows a new link while kept alive, starting from an empty form', async () => {
    await open('/registry/persons?tag=elderly_alone')
    type('person-search-name', '刘')
    await submit()
    expect(bodies[1]).toEqual({ name: '刘', tag: 'elderly_alone', region: '230602', limit: 2 })
    await router.push('/dashboard')
    await router.push('/registry/persons?residence_type=floating&region=230602001')
    await settle()
    expect(bodies[2]).toEqual({ residence_type: 'floating', region: '230602001', limit: 2 })
    expect(value('person-search-name')).toBe('')
    expect(selected('person-search-tag')).toBe('')
  })

  it('keeps what it showed when come back to through its tab, and puts it back in the URL', async () => {
    await open('/registry/persons?tag=elderly_alone')
    await router.push('/registry/persons/1')
    await router.push('/registry/persons')
    await settle()
    expect(bodies).toHaveLength(1)
    expect(router.currentRoute.value.query).toEqual({ tag: 'elderly_alone' })
    expect(selected('person-search-tag')).toBe('elderly_alone')
  })

  it('follows the history back to an earlier search', async () => {
    await open('/registry/persons?tag=elderly_alone')
    await router.push('/registry/persons?tag=disabled')
    await settle()
    expect(bodies[1]).toEqual({ tag: 'disabled', region: '230602', limit: 2 })
    router.back()
    await settle()
    await vi.waitFor(() => expect(bodies[2]).toEqual({ tag: 'elderly_alone', region: '230602', limit: 2 }))
    expect(selected('person-search-tag')).toBe('elderly_alone')
  })
})
