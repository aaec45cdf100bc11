import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { defineComponent, h } from 'vue'
import { RouterView, createMemoryHistory, createRouter, type Router } from 'vue-router'
import { REGISTRY_ROLES, type Role } from '../../api/types'
import { i18n } from '../../i18n'
import { refreshSession } from '../../session'
import { makeMe, routeFetch, type SentCall } from '../../test/http'
import { $, settle } from '../../test/registry'
import DashboardPage from './DashboardPage.vue'
import { makeEvents, makeOperations, makePeople } from './fixtures'

// OpenLayers and ECharts need a real canvas, which happy-dom lacks.
vi.mock('../../dashboard/DashboardMap.vue', () => ({
  __esModule: true,
  default: defineComponent({
    name: 'DashboardMap',
    props: ['config', 'geometry', 'region', 'items', 'rate', 'measureLabel', 'hotspots', 'dark'],
    emits: ['drill'],
    setup: (props, { emit }) => () =>
      h(
        'div',
        { 'data-testid': 'map-stub', 'data-region': props.region, 'data-items': JSON.stringify(props.items) },
        (props.items as { code: string }[]).map((i) =>
          h('button', { 'data-testid': `map-child-${i.code}`, onClick: () => emit('drill', i.code) }),
        ),
      ),
  }),
}))
vi.mock('../../dashboard/EChart.vue', () => ({
  __esModule: true,
  default: defineComponent({ name: 'EChart', props: ['option', 'label'], render: () => h('div') }),
}))

/** The EventSources the page opened; the test sends their messages. */
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

const regionOf = (c: SentCall) => new URL(c.url, 'http://x').searchParams.get('region') ?? '990100'
const asked = (panel: string) => calls.filter((c) => c.url.startsWith(`/api/v1/dashboard/${panel}`)).map((c) => c.url)

async function open(path: string, role: Role = 'center') {
  calls = routeFetch({
    'GET /api/v1/me': makeMe({ role, scope: { kind: 'region', code: '990100', name: '示范市' } }),
    'GET /api/v1/map/config': { base_map_url: '', bbox: null },
    'GET /api/v1/dashboard/people': (c: SentCall) => makePeople(regionOf(c)),
    'GET /api/v1/dashboard/events': (c: SentCall) => makeEvents(regionOf(c), closed),
    'GET /api/v1/dashboard/operations': (c: SentCall) => makeOperations(regionOf(c)),
  }).calls
  await refreshSession()
  router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'home', component: Stub },
      {
        path: '/dashboard',
        name: 'dashboard',
        component: DashboardPage,
        children: [
          { path: 'people', name: 'dashboard-people', component: Stub },
          { path: 'events', name: 'dashboard-events', component: Stub },
          { path: 'operations', name: 'dashboard-operations', component: Stub },
        ],
      },
      { path: '/screen', name: 'screen', component: Stub },
      { path: '/events/workbench', name: 'events-workbench', component: Stub },
      { path: '/events/:id', name: 'event', component: Stub },
      { path: '/registry/persons', name: 'registry-persons', component: Stub, meta: { roles: REGISTRY_ROLES } },
      { path: '/registry/houses', name: 'registry-houses', component: Stub, meta: { roles: REGISTRY_ROLES } },
      { path: '/workforce/workers', name: 'workforce-workers', component: Stub },
      { path: '/workforce/staffing', name: 'workforce-staffing', component: Stub },
    ],
  })
  await router.push(path)
  // Through a RouterView, as in the console: the page guards its own route.
  wrapper = mount(defineComponent({ render: () => h(RouterView) }), { global: { plugins: [i18n, router] }, attachTo: document.body })
  await settle()
}

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  FakeSource.all = []
  closed = 7
  vi.stubGlobal('EventSource', FakeSource)
})

afterEach(() => {
  wrapper?.unmount()
  document.body.innerHTML = ''
})

describe('DashboardPage', () => {
  it('shows the panel of the region in the URL and follows its change stream', async () => {
    await open('/dashboard/people?region=990101')
    expect(asked('people')).toEqual(['/api/v1/dashboard/people?region=990101'])
    expect($('people-persons-value')?.textContent?.trim()).toBe('1,200')
    expect($('dashboard-region')?.textContent?.trim()).toBe('红旗区')
    expect($('map-stub')?.dataset.region).toBe('990101')
    expect(FakeSource.all.map((s) => s.url)).toEqual(['/api/v1/dashboard/stream?region=990101'])
  })

  it('links figures to the lists behind them', async () => {
    await open('/dashboard/events?region=990101')
    const overdue = $('events-overdue-value') as HTMLAnchorElement
    expect(overdue.tagName).toBe('A')
    expect(overdue.getAttribute('href')).toBe('/events/workbench?region=990101&queue=overdue')
    await router.push('/dashboard/people?region=990101')
    await settle()
    expect(($('people-elderly_alone-value') as HTMLAnchorElement).getAttribute('href')).toBe(
      '/registry/persons?region=990101&tag=elderly_alone',
    )
    await router.push('/dashboard/operations?region=990101')
    await settle()
    expect(($('operations-without-value') as HTMLAnchorElement).getAttribute('href')).toBe(
      '/workforce/staffing?region=990101&show=unstaffed',
    )
    expect(($('operations-attendance-value') as HTMLAnchorElement).getAttribute('href')).toBe(
      '/workforce/staffing?region=990101&show=attendance',
    )
    expect(($('operations-idle-990101001001001') as HTMLAnchorElement).getAttribute('href')).toBe(
      '/workforce/workers?grid=990101001001001',
    )
  })

  it('names the top categories in the language of the console', async () => {
    await open('/dashboard/events?region=990101')
    expect($('events-category-city_appearance')?.textContent?.trim()).toBe('市容环境 9')
    i18n.global.locale.value = 'en'
    await settle()
    expect($('events-category-city_appearance')?.textContent?.trim()).toBe('City appearance 9')
  })

  it('leaves figures unlinked where the viewer may not open the list', async () => {
    await open('/dashboard/people', 'leader')
    expect($('people-persons-value')?.tagName).toBe('DIV')
  })

  it('drills into a child clicked on the map and keeps the period', async () => {
    await open('/dashboard/events?from=2026-11-01&to=2026-11-20')
    expect(asked('events')).toEqual(['/api/v1/dashboard/events?from=2026-11-01&to=2026-11-20'])
    ;($('map-child-990101') as HTMLElement).click()
    await settle()
    expect(router.currentRoute.value.fullPath).toBe('/dashboard/events?from=2026-11-01&to=2026-11-20&region=990101')
    expect(asked('events').at(-1)).toBe('/api/v1/dashboard/events?region=990101&from=2026-11-01&to=2026-11-20')
    expect(FakeSource.all.at(-1)!.url).toBe('/api/v1/dashboard/stream?region=990101')
    expect(FakeSource.all[0]!.closed).toBe(true)
    // Up again through the breadcrumb.
    ;($('dashboard-crumb-990100') as HTMLElement).click()
    await settle()
    expect(router.currentRoute.value.query.region).toBe('990100')
  })

  it('keeps the region when a tab is switched', async () => {
    await open('/dashboard/people?region=990101')
    await router.push({ name: 'dashboard-operations' })
    await settle()
    expect(router.currentRoute.value.fullPath).toBe('/dashboard/operations?region=990101')
    expect(asked('operations')).toEqual(['/api/v1/dashboard/operations?region=990101'])
  })

  it('fetches the panel on show again when a change names it, once per message', async () => {
    await open('/dashboard/events?region=990101')
    expect($('events-closed-value')?.textContent?.trim()).toBe('7')
    const stream = FakeSource.all[0]!
    closed = 8
    stream.emit('change', '{"topics":["people"]}')
    await settle()
    expect(asked('events')).toHaveLength(1)
    stream.emit('change', '{"topics":["events","operations"]}')
    await settle()
    expect(asked('events')).toHaveLength(2)
    expect($('events-closed-value')?.textContent?.trim()).toBe('8')
    stream.emit('reset')
    await settle()
    expect(asked('events')).toHaveLength(3)
    expect(asked('people')).toHaveLength(0)
  })

  it('fetches nothing and opens no stream while it is being left for a list', async () => {
    await open('/dashboard/events?region=990101')
    const before = calls.length
    await router.push('/events/workbench?region=990102&queue=overdue')
    await settle()
    expect(calls.slice(before).filter((c) => c.url.startsWith('/api/v1/dashboard/'))).toEqual([])
    expect(FakeSource.all).toHaveLength(1)
    expect(FakeSource.all[0]!.closed).toBe(true)
  })

  it('closes the stream when it goes', async () => {
    await open('/dashboard/people')
    wrapper.unmount()
    expect(FakeSource.all[0]!.closed).toBe(true)
    wrapper = mount(Stub)
  })
})
