import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import type { EventRecord } from '../../api/events'
import type { Role } from '../../api/types'
import { i18n } from '../../i18n'
import { refreshSession } from '../../session'
import { makeMe, problemResponse, routeFetch, type SentCall } from '../../test/http'
import { $, settle, type } from '../../test/registry'
import CategoryPicker from '../catalog/CategoryPicker.vue'
import { makeTree } from '../catalog/fixtures'
import { makeDetail, makeEvent } from './fixtures'
import { forgetNames } from './names'
import WorkbenchPage from './WorkbenchPage.vue'

// OpenLayers needs a canvas, which happy-dom lacks.
vi.mock('./EventMap.vue', () => ({
  __esModule: true,
  default: defineComponent({ name: 'EventMap', props: ['config', 'point', 'bbox', 'pickable', 'label'], render: () => h('div') }),
}))

let wrapper: VueWrapper
let calls: SentCall[]
let router: Router

const Stub = defineComponent({ render: () => h('div') })

/** Answers GET /api/v1/events by queue: the events of each, or a Response. */
async function open(role: Role, queues: Record<string, EventRecord[] | Response>, routes: Record<string, unknown> = {}, path = '/events/workbench') {
  calls = routeFetch({
    'GET /api/v1/me': makeMe({ role }),
    'GET /api/v1/categories': { items: makeTree() },
    'GET /api/v1/events': (c: SentCall) => {
      const q = new URL(c.url, 'http://x').searchParams.get('queue') ?? ''
      const answer = queues[q] ?? []
      return answer instanceof Response ? answer : { items: answer }
    },
    ...routes,
  }).calls
  await refreshSession()
  router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/events/workbench', name: 'events-workbench', component: Stub },
      { path: '/events/report', name: 'events-report', component: Stub },
      { path: '/events/:id', name: 'event', component: Stub },
    ],
  })
  await router.push(path)
  wrapper = mount(WorkbenchPage, { global: { plugins: [i18n, router] }, attachTo: document.body })
  await settle()
}

const tabs = () =>
  [...document.body.querySelectorAll('[data-testid^="queue-"]:not([data-testid^="queue-count-"])')].map((e) =>
    e.textContent?.replace(/\s+/g, ' ').trim(),
  )
const listed = () => calls.filter((c) => c.method === 'GET' && c.url.startsWith('/api/v1/events?') && c.url.includes('limit=50'))
const codes = () => [...document.body.querySelectorAll('[data-testid^="event-open-"]')].map((e) => e.textContent?.trim())

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  forgetNames()
})

afterEach(() => {
  wrapper.unmount()
  document.body.innerHTML = ''
})

describe('WorkbenchPage', () => {
  it("shows a center's queues with how many wait in each, and the first queue's events", async () => {
    const many = Array.from({ length: 100 }, (_, i) => makeEvent({ id: 1000 + i }))
    await open('center', {
      to_register: [makeEvent({ id: 1, code: 'E-1' }), makeEvent({ id: 2, code: 'E-2' })],
      to_dispatch: [makeEvent({ id: 3, code: 'E-3', state: 'registered' })],
      handling: new Response(JSON.stringify({ items: many, next_after: 1099 }), {
        headers: { 'Content-Type': 'application/json' },
      }),
    })
    expect($('workbench-title')?.textContent).toBe('派单工作台')
    expect(tabs()).toEqual([
      '待立案 2',
      '待派遣 1',
      '待签收 0',
      '处置中 100+',
      '待核查 0',
      '已超期 0',
      '督办件 0',
      '挂账 0',
      '已结案',
      '我上报的 0',
    ])
    expect(listed().map((c) => c.url)).toEqual(['/api/v1/events?queue=to_register&limit=50'])
    expect(codes()).toEqual(['E-1', 'E-2'])
    expect(document.body.querySelector('[data-testid="event-table"]')?.textContent).toContain('暴露垃圾')
  })

  it('switches queues through the URL and reads the queue anew', async () => {
    await open('center', {
      to_register: [makeEvent({ id: 1, code: 'E-1' })],
      to_verify: [makeEvent({ id: 4, code: 'E-4', state: 'handled' })],
    })
    ;($('queue-to_verify')!.closest('.el-tabs__item') as HTMLElement).click()
    await settle()
    expect(router.currentRoute.value.query.queue).toBe('to_verify')
    expect(listed().map((c) => c.url)).toEqual([
      '/api/v1/events?queue=to_register&limit=50',
      '/api/v1/events?queue=to_verify&limit=50',
    ])
    expect(codes()).toEqual(['E-4'])
    expect($('bulk-verify')).not.toBeNull()
    expect($('bulk-register')).toBeNull()

    await router.push({ name: 'events-workbench', query: { queue: 'overdue' } })
    await settle()
    expect(listed().at(-1)!.url).toBe('/api/v1/events?queue=overdue&limit=50')
  })

  it('sends the filters with the list and the counts', async () => {
    await open('admin', { to_register: [] })
    const picker = wrapper.findAllComponents(CategoryPicker).find((c) => c.attributes('data-testid') === 'event-filter-category')!
    picker.vm.$emit('update:modelValue', 'city_appearance')
    type('event-filter-region', ' 990101 ')
    type('event-filter-q', '垃圾')
    await settle()
    $('event-filters')!.dispatchEvent(new Event('submit'))
    await settle()
    const q = `category=city_appearance&region=990101&q=${encodeURIComponent('垃圾')}`
    expect(listed().at(-1)!.url).toBe(`/api/v1/events?queue=to_register&${q}&limit=50`)
    expect(calls.some((c) => c.url === `/api/v1/events?queue=overdue&${q}&limit=100`)).toBe(true)
  })

  it('colours each deadline: green before it, yellow near it, red past it', async () => {
    await open('center', {
      to_register: [
        makeEvent({ id: 1, warning: '' }),
        makeEvent({ id: 2, warning: 'yellow' }),
        makeEvent({ id: 3, warning: 'red' }),
        makeEvent({ id: 4, state: 'closed', step: '', step_due: null }),
      ],
    })
    const tag = (id: number) => $(`event-warning-${id}`)
    expect(tag(1)?.textContent?.trim()).toBe('正常')
    expect(tag(1)?.className).toContain('el-tag--success')
    expect(tag(2)?.textContent?.trim()).toBe('临期')
    expect(tag(2)?.className).toContain('el-tag--warning')
    expect(tag(3)?.textContent?.trim()).toBe('超期')
    expect(tag(3)?.className).toContain('el-tag--danger')
    expect(tag(4)).toBeNull()
  })

  it("is a department's inbox: its own queues named from its side, signing for many at once", async () => {
    await open('department', {
      to_accept: [makeEvent({ id: 7, code: 'E-7', state: 'dispatched', version: 3 })],
      handling: [makeEvent({ id: 8, state: 'handling' })],
    }, { 'POST /api/v1/events/7/actions': makeEvent({ id: 7, state: 'handling', version: 4 }) })
    expect($('workbench-title')?.textContent).toBe('部门待办')
    expect(tabs()).toEqual(['待签收 1', '办理中 1', '已反馈 0', '已超期 0', '已结案'])
    expect($('event-filter-region')).toBeNull()
    ;($('event-pick-7')!.querySelector('input') as HTMLInputElement).click()
    await settle()
    $('bulk-accept')!.click()
    await settle()
    $('bulk-start')!.click()
    await settle()
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.body)).toEqual([{ action: 'accept', version: 3 }])
    expect($('bulk-summary')?.textContent).toContain('成功 1 件，失败 0 件')
  })

  it('registers many events one by one and reports each failure on its row', async () => {
    await open('center', {
      to_register: [
        makeEvent({ id: 1, code: 'E-1', version: 1 }),
        makeEvent({ id: 2, code: 'E-2', version: 5 }),
        makeEvent({ id: 3, code: 'E-3', version: 2 }),
      ],
    }, {
      'POST /api/v1/events/1/actions': makeEvent({ id: 1, state: 'registered', version: 2 }),
      'POST /api/v1/events/2/actions': problemResponse(409, {
        code: 'conflict',
        title: 'Conflict',
        detail: 'event E-2 changed meanwhile (version 6, you saw 5); reload it',
        errors: [{ field: 'version', reason: 'is stale' }],
      }),
    })
    expect(($('bulk-register') as HTMLButtonElement).disabled).toBe(true)
    ;($('event-pick-1')!.querySelector('input') as HTMLInputElement).click()
    ;($('event-pick-2')!.querySelector('input') as HTMLInputElement).click()
    await settle()
    expect($('bulk-selected')?.textContent).toBe('已选 2 件')
    $('bulk-register')!.click()
    await settle()
    expect($('bulk-events')?.textContent).toContain('E-1')
    expect($('bulk-events')?.textContent).not.toContain('E-3')
    $('bulk-start')!.click()
    await settle()

    expect(calls.filter((c) => c.method === 'POST').map((c) => [c.url, c.body])).toEqual([
      ['/api/v1/events/1/actions', { action: 'register', version: 1 }],
      ['/api/v1/events/2/actions', { action: 'register', version: 5 }],
    ])
    expect($('bulk-summary')?.textContent).toContain('成功 1 件，失败 1 件，未处理 0 件')
    expect($('bulk-status-1')?.textContent?.trim()).toBe('成功')
    expect($('bulk-status-2')?.textContent?.trim()).toBe('失败')
    expect($('bulk-reason-2')?.textContent).toContain('已被他人处理')
    expect($('bulk-reason-2')?.textContent).toContain('changed meanwhile')
    // The queue and the counts are read again; the failure stays picked.
    expect(listed()).toHaveLength(2)
    expect($('bulk-selected')?.textContent).toBe('已选 1 件')
  })

  it('opens an event in the drawer', async () => {
    await open('center', { to_register: [makeEvent({ id: 11 })] }, {
      'GET /api/v1/events/11': makeDetail(),
      'GET /api/v1/map/config': { base_map_url: '', bbox: null },
      'GET /api/v1/regions/990101001001001': { code: '990101001001001', name: '幸福社区第1网格', level: 'grid' },
      'GET /api/v1/regions/990101001': { code: '990101001', name: '东风街道', level: 'township' },
    })
    $('event-open-11')!.click()
    await settle()
    expect($('event-drawer')).not.toBeNull()
    expect($('event-title')?.textContent).toBe('路口垃圾堆积')
    expect($('event-action-register')).not.toBeNull()
  })
})
