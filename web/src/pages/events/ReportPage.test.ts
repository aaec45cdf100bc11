import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import { i18n } from '../../i18n'
import { refreshSession } from '../../session'
import { jsonResponse, makeMe, problemResponse, routeFetch, type SentCall } from '../../test/http'
import { makeGridDetail, makeLocate } from '../../test/map'
import { $, itemError, settle, type } from '../../test/registry'
import CategoryPicker from '../catalog/CategoryPicker.vue'
import { makeTree } from '../catalog/fixtures'
import { makeEvent } from './fixtures'
import type { SimilarEvent } from '../../api/events'
import { forgetNames } from './names'
import ReportPage from './ReportPage.vue'

// A stand-in map: a click picks a point, and it shows the box it was asked to show.
vi.mock('./EventMap.vue', () => ({
  __esModule: true,
  default: defineComponent({
    name: 'EventMap',
    props: ['config', 'point', 'bbox', 'pickable', 'label'],
    emits: ['pick'],
    setup: (props, { emit }) => () =>
      h('div', {
        'data-testid': 'event-map-stub',
        'data-bbox': props.bbox ? props.bbox.join(',') : '',
        onClick: () => emit('pick', { lng: 124.805, lat: 46.105 }),
      }),
  }),
}))

let wrapper: VueWrapper
let calls: SentCall[]
let router: Router
const PHONE = '13612345678'

async function open(routes: Record<string, unknown> = {}): Promise<void> {
  calls = routeFetch({
    'GET /api/v1/me': makeMe({ role: 'center' }),
    'GET /api/v1/categories': { items: makeTree() },
    'GET /api/v1/map/config': { base_map_url: '', bbox: [124.7, 46, 125.1, 46.4] },
    ...routes,
  }).calls
  await refreshSession()
  const Stub = defineComponent({ render: () => h('div') })
  router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/events/report', name: 'events-report', component: Stub },
      { path: '/events/workbench', name: 'events-workbench', component: Stub },
      { path: '/events/:id', name: 'event', component: Stub },
    ],
  })
  await router.push('/events/report')
  wrapper = mount(ReportPage, { global: { plugins: [i18n, router] }, attachTo: document.body })
  await settle()
}

async function fill(): Promise<void> {
  const picker = wrapper.findAllComponents(CategoryPicker).find((c) => c.attributes('data-testid') === 'report-category')!
  picker.vm.$emit('update:modelValue', 'city_appearance.exposed_garbage')
  type('report-title', ' 路口垃圾 ')
  type('report-description', '堆了三天')
  type('report-reporter', '王先生')
  type('report-phone', PHONE)
  await settle()
}

async function submit(): Promise<void> {
  $('report-form')!.dispatchEvent(new Event('submit'))
  await settle()
}

const posts = () => calls.filter((c) => c.method === 'POST')

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  forgetNames()
})

afterEach(() => {
  wrapper.unmount()
  document.body.innerHTML = ''
})

describe('ReportPage', () => {
  it('files an event at a point picked on the map, and merges it into a similar one in one click', async () => {
    const similar: SimilarEvent = {
      id: 5,
      code: '2026060199010100005',
      category_code: 'city_appearance.exposed_garbage',
      title: '路口有垃圾',
      description: '',
      state: 'registered',
      grid_code: '990101001001001',
      address: '幸福路口',
      location: [124.8052, 46.1051],
      distance_m: 35,
      created_at: '2026-06-01T01:00:00Z',
    }
    await open({
      'GET /api/v1/locate': makeLocate(),
      'POST /api/v1/events': jsonResponse(201, {
        event: makeEvent({ id: 12, code: '2026060199010100012', actions: ['comment', 'merge', 'register'] }),
        similar: [similar],
      }),
      'POST /api/v1/events/12/actions': makeEvent({ id: 12, state: 'duplicate', duplicate_of: 5, version: 2, actions: [] }),
    })
    await fill()
    $('event-map-stub')!.click()
    await settle()
    expect($('report-point')?.textContent).toContain('124.805000, 46.105000')
    expect($('report-located')?.textContent).toBe('位于 幸福社区第1网格 (990101001001001)')
    await submit()

    expect(posts()[0]!.body).toEqual({
      source: 'hotline',
      category_code: 'city_appearance.exposed_garbage',
      title: '路口垃圾',
      description: '堆了三天',
      lng: 124.805,
      lat: 46.105,
      reporter_name: '王先生',
      reporter_phone: PHONE,
    })
    expect(calls.every((c) => !c.url.includes(PHONE))).toBe(true)
    expect(router.currentRoute.value.fullPath).not.toContain(PHONE)
    expect($('report-filed')?.textContent).toContain('已上报，事件编号 2026060199010100012')
    expect($('report-similar')?.textContent).toContain('2026060199010100005')
    expect($('report-similar')?.textContent).toContain('35 米')

    $('report-merge-5')!.click()
    await settle()
    expect(posts()[1]).toMatchObject({
      url: '/api/v1/events/12/actions',
      body: { action: 'merge', version: 1, duplicate_of: 5 },
    })
    expect($('report-merged')?.textContent).toBe('已将新事件合并到 2026060199010100005')
    expect($('report-merge-5')).toBeNull()

    $('report-open')!.click()
    await settle()
    expect(router.currentRoute.value.fullPath).toBe('/events/12')
  })

  it('asks for a place, takes a grid code instead, and shows the reasons the server gives by field', async () => {
    await open({
      'GET /api/v1/regions/990101001001001': makeGridDetail(),
      'POST /api/v1/events': problemResponse(400, {
        code: 'invalid',
        title: 'Bad Request',
        detail: 'invalid input',
        errors: [{ field: 'reporter_phone', reason: 'not a mobile or landline number' }],
      }),
    })
    await fill()
    await submit()
    expect(posts()).toHaveLength(0)
    await vi.waitFor(() => expect(itemError('report-place')).toBe('请在地图上选择位置，或填写网格编码'))

    type('report-grid', '990101001001001')
    await settle()
    $('report-find-grid')!.click()
    await settle()
    expect($('event-map-stub')?.getAttribute('data-bbox')).toBe('124.8,46.1,124.81,46.11')
    expect($('report-located')?.textContent).toContain('幸福社区第1网格')
    await submit()
    expect(posts()[0]!.body).toMatchObject({ grid_code: '990101001001001' })
    expect(posts()[0]!.body).not.toHaveProperty('lng')
    await vi.waitFor(() => expect(itemError('report-phone')).toBe('not a mobile or landline number'))
    expect($('report-error')?.textContent).toContain('输入有误')
  })
})
