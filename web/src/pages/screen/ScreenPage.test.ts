import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { defineComponent, h } from 'vue'
import { RouterView, createMemoryHistory, createRouter, type Router } from 'vue-router'
import { i18n } from '../../i18n'
import { refreshSession } from '../../session'
import { makeMe, problemResponse, routeFetch, type SentCall } from '../../test/http'
import { $, settle } from '../../test/registry'
import { makeEvents, makeOperations, makePeople } from '../dashboard/fixtures'
import ScreenPage from './ScreenPage.vue'

vi.mock('../../dashboard/DashboardMap.vue', () => ({
  __esModule: true,
  default: defineComponent({
    name: 'DashboardMap',
    props: ['config', 'geometry', 'region', 'items', 'rate', 'measureLabel', 'hotspots', 'dark'],
    setup: (props) => () => h('div', { 'data-testid': 'map-stub', 'data-items': JSON.stringify(props.items), 'data-heat': (props.hotspots as unknown[]).length }),
  }),
}))
vi.mock('../../dashboard/EChart.vue', () => ({
  __esModule: true,
  default: defineComponent({
    name: 'EChart',
    props: ['option', 'label'],
    setup: (props) => () => h('div', { 'data-option': JSON.stringify(props.option) }),
  }),
}))

class FakeSource {
  static all: FakeSource[] = []
  readyState = 1
  closed = false
  private listeners = new Map<string, ((e: MessageEvent) => void)[]>()
  constructor(readonly url: string) {
    FakeSource.all.push(this)
  }
  addEventListener(type: string, fn: (e: MessageEvent) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn])
  }
  close() {
    this.closed = true
  }
  emit(type: string, data = '') {
    for (const fn of this.listeners.get(type) ?? []) fn(new MessageEvent(type, { data }))
  }
}

const Stub = defineComponent({ render: () => h('div') })
let wrapper: VueWrapper
let calls: SentCall[]
let router: Router
let closed = 7
let peopleAnswer: Response | null = null

const regionOf = (c: SentCall) => new URL(c.url, 'http://x').searchParams.get('region') ?? '990100'
const asked = (panel: string) => calls.filter((c) => c.url.startsWith(`/api/v1/dashboard/${panel}`)).map((c) => c.url)

async function open(path: string) {
  calls = routeFetch({
    'GET /api/v1/me': makeMe({ role: 'leader', scope: { kind: 'region', code: '990100', name: '示范市' } }),
    'GET /api/v1/map/config': { base_map_url: '', bbox: null },
    'GET /api/v1/dashboard/people': (c: SentCall) => peopleAnswer ?? makePeople(regionOf(c)),
    'GET /api/v1/dashboard/events': (c: SentCall) => makeEvents(regionOf(c), closed),
    'GET /api/v1/dashboard/operations': (c: SentCall) => makeOperations(regionOf(c)),
  }).calls
  await refreshSession()
  router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'home', component: Stub },
      { path: '/login', name: 'login', component: Stub },
      { path: '/screen', name: 'screen', component: ScreenPage },
      { path: '/events/workbench', name: 'events-workbench', component: Stub },
      { path: '/workforce/workers', name: 'workforce-workers', component: Stub },
      { path: '/workforce/staffing', name: 'workforce-staffing', component: Stub },
    ],
  })
  await router.push(path)
  wrapper = mount(defineComponent({ render: () => h(RouterView) }), { global: { plugins: [i18n, router] }, attachTo: document.body })
  await settle()
}

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  FakeSource.all = []
  closed = 7
  peopleAnswer = null
  vi.stubGlobal('EventSource', FakeSource)
})

afterEach(() => {
  wrapper?.unmount()
  document.body.innerHTML = ''
})

describe('ScreenPage', () => {
  it('shows the key figures of all three panels for the region in the URL', async () => {
    await open('/screen?region=990101')
    expect(asked('people')).toEqual(['/api/v1/dashboard/people?region=990101'])
    expect(asked('events')).toEqual(['/api/v1/dashboard/events?region=990101'])
    expect(asked('operations')).toEqual(['/api/v1/dashboard/operations?region=990101'])
    expect($('screen-people-persons-value')?.textContent?.trim()).toBe('1,200')
    expect($('screen-events-closed-value')?.textContent?.trim()).toBe('7')
    expect($('screen-operations-workers-value')?.textContent?.trim()).toBe('13')
    expect($('screen-region')?.textContent?.trim()).toBe('红旗区')
    expect(FakeSource.all.map((s) => s.url)).toEqual(['/api/v1/dashboard/stream?region=990101'])
  })

  it('names the top categories in the language of the screen', async () => {
    const chart = () => $('screen-chart-categories')?.querySelector<HTMLElement>('[data-option]')?.dataset.option ?? ''
    await open('/screen')
    expect(chart()).toContain('市容环境')
    i18n.global.locale.value = 'en'
    await settle()
    expect(chart()).toContain('City appearance')
    expect(chart()).not.toContain('市容环境')
  })

  it('fetches exactly the panels a change names, and all of them on a reset', async () => {
    await open('/screen')
    closed = 8
    FakeSource.all[0]!.emit('change', '{"topics":["events"]}')
    await settle()
    expect([asked('people').length, asked('events').length, asked('operations').length]).toEqual([1, 2, 1])
    expect($('screen-events-closed-value')?.textContent?.trim()).toBe('8')
    FakeSource.all[0]!.emit('reset')
    await settle()
    expect([asked('people').length, asked('events').length, asked('operations').length]).toEqual([2, 3, 2])
  })

  it('drills into a sub-region from the list and holds a panel on the map', async () => {
    await open('/screen')
    ;($('screen-child-990101') as HTMLElement).click()
    await settle()
    expect(router.currentRoute.value.query.region).toBe('990101')
    expect(asked('events').at(-1)).toBe('/api/v1/dashboard/events?region=990101')
    ;($('screen-map-events') as HTMLElement).click()
    await settle()
    expect(router.currentRoute.value.query).toEqual({ region: '990101', panel: 'events' })
    expect($('map-stub')?.dataset.heat).toBe('1')
  })

  it('offers a sign-in when the session has ended', async () => {
    peopleAnswer = problemResponse(401, { title: 'Unauthorized', code: 'unauthorized' })
    await open('/screen')
    expect($('screen-signed-out')).not.toBeNull()
  })

  it('leaves no timer, listener or stream behind', async () => {
    const setInterval = vi.spyOn(window, 'setInterval')
    const clearInterval = vi.spyOn(window, 'clearInterval')
    const add = vi.spyOn(window, 'addEventListener')
    const remove = vi.spyOn(window, 'removeEventListener')
    await open('/screen')
    const started = setInterval.mock.results.map((r) => r.value)
    expect(started.length).toBeGreaterThanOrEqual(3)
    wrapper.unmount()
    const cleared = clearInterval.mock.calls.map((c) => c[0])
    expect(started.every((id) => cleared.includes(id))).toBe(true)
    const resize = add.mock.calls.filter((c) => c[0] === 'resize').map((c) => c[1])
    expect(resize.every((fn) => remove.mock.calls.some((c) => c[0] === 'resize' && c[1] === fn))).toBe(true)
    expect(FakeSource.all.every((s) => s.closed)).toBe(true)
    wrapper = mount(Stub)
  })
})
