import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import type { EventDetail as Detail } from '../../api/events'
import { i18n } from '../../i18n'
import { refreshSession } from '../../session'
import { makeMe, problemResponse, routeFetch, type SentCall } from '../../test/http'
import { $, itemError, settle, type } from '../../test/registry'
import DepartmentPicker from '../catalog/DepartmentPicker.vue'
import { makeTree } from '../catalog/fixtures'
import EventDetail from './EventDetail.vue'
import { makeDetail, makeEntry } from './fixtures'
import { forgetNames } from './names'

vi.mock('./EventMap.vue', () => ({
  __esModule: true,
  default: defineComponent({
    name: 'EventMap',
    props: ['config', 'point', 'bbox', 'pickable', 'label'],
    setup: (props) => () => h('div', { 'data-testid': 'event-map-stub', 'data-point': props.point ? `${props.point.lng},${props.point.lat}` : '' }),
  }),
}))

let wrapper: VueWrapper
let calls: SentCall[]

const BASE = {
  'GET /api/v1/me': makeMe({ role: 'center' }),
  'GET /api/v1/categories': { items: makeTree() },
  'GET /api/v1/map/config': { base_map_url: '', bbox: null },
  'GET /api/v1/regions/990101001001001': { code: '990101001001001', name: '幸福社区第1网格', level: 'grid' },
  'GET /api/v1/regions/990101001': { code: '990101001', name: '东风街道', level: 'township' },
  'GET /api/v1/departments/230602-urban': { code: '230602-urban', name: '城管执法局' },
  'GET /api/v1/departments/230602-police': { code: '230602-police', name: '公安分局' },
  'GET /api/v1/events/11/attachments': { items: [] },
}

/** Opens event 11, read as the given answers in turn. */
async function open(reads: Detail[], routes: Record<string, unknown> = {}): Promise<void> {
  calls = routeFetch({ ...BASE, 'GET /api/v1/events/11': reads, ...routes }).calls
  await refreshSession()
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: defineComponent({ render: () => h('div') }) },
      { path: '/events/:id', name: 'event', component: defineComponent({ render: () => h('div') }) },
    ],
  })
  wrapper = mount(EventDetail, { props: { id: 11 }, global: { plugins: [i18n, router] }, attachTo: document.body })
  await settle()
}

async function act(action: string): Promise<void> {
  $(`event-action-${action}`)!.click()
  await settle()
}

async function submit(): Promise<void> {
  $('action-form-submit')!.click()
  await settle()
}

/** The error Element Plus shows (after its transition) under the form item that holds an element. */
async function shows(testid: string, reason: string): Promise<void> {
  await vi.waitFor(() => expect(itemError(testid)).toBe(reason))
}

const posts = () => calls.filter((c) => c.method === 'POST')
const reads = () => calls.filter((c) => c.url === '/api/v1/events/11')

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  forgetNames()
})

afterEach(() => {
  wrapper.unmount()
  document.body.innerHTML = ''
})

describe('EventDetail', () => {
  it('shows the fields, the point on the map and the full timeline as plain text', async () => {
    await open([
      makeDetail({
        state: 'dispatched',
        lead_department: '230602-urban',
        assisting: ['230602-police'],
        description: '<b>不是标记</b>\n第二行',
        actions: [],
        history: [
          makeEntry({ id: 1 }),
          makeEntry({ id: 2, action: 'register', to: 'registered', step: 'register', step_on_time: true }),
          makeEntry({
            id: 3,
            action: 'dispatch',
            from: 'registered',
            to: 'dispatched',
            step: 'dispatch',
            step_on_time: false,
            note: '按规则派遣',
            detail: { lead: '230602-urban', assisting: ['230602-police'] },
          }),
        ],
      }),
    ], {
      'GET /api/v1/events/11/attachments': {
        items: [
          {
            id: 3,
            event_id: 11,
            name: '现场.jpg',
            content_type: 'image/jpeg',
            url: '/api/v1/files/abc?variant=public',
            thumb_url: '/api/v1/files/def?variant=thumb',
            created_at: '2026-06-01T01:00:00Z',
          },
        ],
      },
    })
    expect($('event-category')?.textContent).toBe('暴露垃圾')
    const photo = $('event-file-3')!
    expect(photo.getAttribute('href')).toBe('/api/v1/files/abc?variant=public')
    expect(photo.querySelector('img')?.getAttribute('src')).toBe('/api/v1/files/def?variant=thumb')
    expect(photo.querySelector('img')?.getAttribute('alt')).toBe('现场.jpg')
    expect($('event-grid')?.textContent).toContain('幸福社区第1网格')
    expect($('event-lead')?.textContent).toContain('城管执法局')
    expect($('event-description')?.textContent).toBe('<b>不是标记</b>\n第二行')
    expect($('event-description')?.querySelector('b')).toBeNull()
    expect($('event-map-stub')?.getAttribute('data-point')).toBe('124.805,46.105')
    expect($('event-no-actions')).not.toBeNull()
    const timeline = $('event-timeline')!.textContent!
    expect(timeline).toContain('上报')
    expect(timeline).toContain('立案按时')
    expect(timeline).toContain('派遣超时')
    expect(timeline).toContain('已立案 → 已派遣')
    expect(timeline).toContain('综治中心')
    expect(timeline).toContain('城管执法局')
    expect(timeline).toContain('公安分局')
    expect(timeline).toContain('按规则派遣')
  })

  it('names the category in English in English', async () => {
    i18n.global.locale.value = 'en'
    await open([makeDetail()])
    expect($('event-category')?.textContent).toBe('Exposed garbage')
  })

  it('shows when it happened (发生时间) only when the reporter gave it', async () => {
    await open([makeDetail({ occurred_at: '2026-06-01T00:30:00Z' })])
    expect($('event-occurred-at')?.textContent).toMatch(/2026.*0?6.*0?1/)
    expect(wrapper.text()).toContain('发生时间')
    wrapper.unmount()
    await open([makeDetail()])
    expect($('event-occurred-at')).toBeNull()
    expect(wrapper.text()).not.toContain('发生时间')
  })

  it('shows how many residents follow the event, none when the server gives no count', async () => {
    await open([makeDetail({ followers: 3 })])
    const item = $('event-followers')
    expect(item?.textContent?.trim()).toBe('3')
    expect(item?.closest('tr')?.textContent).toContain('关注居民')
    wrapper.unmount()
    await open([makeDetail()])
    expect($('event-followers')?.textContent?.trim()).toBe('0')
  })

  it('refuses a feedback without a note before asking the server, then sends it', async () => {
    await open([makeDetail({ state: 'handling', actions: ['feedback', 'request_extension'] }), makeDetail({ state: 'handled', version: 2 })], {
      'POST /api/v1/events/11/actions': makeDetail({ state: 'handled', version: 2 }),
    })
    await act('feedback')
    await submit()
    await shows('action-form-note', '请填写说明')
    expect(posts()).toHaveLength(0)
    type('action-form-note', ' 已清运 ')
    await submit()
    expect(posts()[0]!.body).toEqual({ action: 'feedback', version: 1, note: '已清运' })
    expect(reads()).toHaveLength(2)
    expect($('event-state')?.textContent).toBe('已反馈')
  })

  it("shows the server's reasons next to their fields", async () => {
    await open([makeDetail({ state: 'handling', actions: ['request_extension'] })], {
      'POST /api/v1/events/11/actions': problemResponse(400, {
        code: 'invalid',
        title: 'Bad Request',
        detail: 'invalid input',
        errors: [
          { field: 'note', reason: 'must be plain text; HTML tags are not accepted' },
          { field: 'extension.amount', reason: 'must be whole days' },
        ],
      }),
    })
    await act('request_extension')
    type('action-form-note', '<i>x</i>')
    await submit()
    expect(posts()[0]!.body).toEqual({ action: 'request_extension', version: 1, note: '<i>x</i>', extension: { amount: 1, unit: 'days' } })
    await shows('action-form-note', 'must be plain text; HTML tags are not accepted')
    await shows('action-form-amount', 'must be whole days')
    expect($('action-form-error')?.textContent).toContain('输入有误')
  })

  it('reloads the event and says so when someone else acted first', async () => {
    await open([makeDetail(), makeDetail({ state: 'registered', version: 2, actions: ['dispatch', 'self_handle'] })], {
      'POST /api/v1/events/11/actions': problemResponse(409, {
        code: 'conflict',
        title: 'Conflict',
        detail: 'event 2026060199010100001 changed meanwhile (version 2, you saw 1); reload it',
        errors: [{ field: 'version', reason: 'is stale' }],
      }),
    })
    await act('register')
    await submit()
    expect(posts()[0]!.body).toEqual({ action: 'register', version: 1 })
    expect(reads()).toHaveLength(2)
    const conflict = $('event-conflict')!.textContent!
    expect(conflict).toContain('此事件刚被他人处理')
    expect(conflict).toContain('changed meanwhile')
    expect($('event-state')?.textContent).toBe('已立案')
    expect($('event-action-register')).toBeNull()
    expect($('event-action-dispatch')).not.toBeNull()
    expect(wrapper.emitted('changed')).toHaveLength(1)
  })

  it("shows where the routing rules would send a dispatch, and sends the dispatcher's choice", async () => {
    await open([makeDetail({ state: 'registered', actions: ['dispatch'] })], {
      'GET /api/v1/routing-rules/resolve': {
        matched: true,
        category: 'city_appearance.exposed_garbage',
        region_code: '990101001001001',
        region_path: '/990100/',
        lead: { code: '230602-urban', name: '城管执法局' },
        assisting: [],
      },
      'POST /api/v1/events/11/actions': [
        problemResponse(400, { code: 'invalid', title: 'Bad Request', errors: [{ field: 'assisting[0]', reason: 'department nope not found' }] }),
      ],
    })
    await act('dispatch')
    expect($('action-form-route')?.textContent).toContain('按派单规则：城管执法局')
    expect(calls.find((c) => c.url.startsWith('/api/v1/routing-rules/resolve'))!.url).toBe(
      '/api/v1/routing-rules/resolve?category=city_appearance.exposed_garbage&region=990101001001001',
    )
    const assisting = wrapper.findAllComponents(DepartmentPicker).find((c) => c.attributes('data-testid') === 'action-form-assisting')!
    assisting.vm.$emit('update:modelValue', ['nope'])
    await settle()
    await submit()
    expect(posts()[0]!.body).toEqual({ action: 'dispatch', version: 1, assisting: ['nope'] })
    await shows('action-form-assisting', 'department nope not found')
  })

  it('merges into the event named by its code', async () => {
    await open([makeDetail(), makeDetail({ state: 'duplicate', duplicate_of: 5, version: 2, actions: [] })], {
      'GET /api/v1/events': (c: SentCall) =>
        c.url.includes('2026060199010100005') ? { items: [{ ...makeDetail(), id: 5, code: '2026060199010100005' }] } : { items: [] },
      'POST /api/v1/events/11/actions': makeDetail({ state: 'duplicate', duplicate_of: 5, version: 2 }),
    })
    await act('merge')
    type('action-form-duplicate', '2026060199010100009')
    await submit()
    await shows('action-form-duplicate', '没有找到该事件')
    expect(posts()).toHaveLength(0)
    type('action-form-duplicate', '2026060199010100005')
    await submit()
    expect(posts()[0]!.body).toEqual({ action: 'merge', version: 1, duplicate_of: 5 })
    expect($('event-state')?.textContent).toBe('已合并')
  })
})
