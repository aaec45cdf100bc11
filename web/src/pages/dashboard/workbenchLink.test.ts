// A dashboard figure opens the events workbench with its filters in the URL.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n } from '../../i18n'
import { refreshSession } from '../../session'
import { makeMe, routeFetch, type SentCall } from '../../test/http'
import { $, settle } from '../../test/registry'
import { makeTree } from '../catalog/fixtures'
import { forgetNames } from '../events/names'
import WorkbenchPage from '../events/WorkbenchPage.vue'

vi.mock('../events/EventMap.vue', () => ({
  __esModule: true,
  default: defineComponent({ name: 'EventMap', render: () => h('div') }),
}))

const Stub = defineComponent({ render: () => h('div') })
let wrapper: VueWrapper

afterEach(() => {
  wrapper.unmount()
  document.body.innerHTML = ''
})

describe('the workbench opened from a dashboard figure', () => {
  it('lists the queue, region and category the link names', async () => {
    forgetNames()
    const calls: SentCall[] = routeFetch({
      'GET /api/v1/me': makeMe({ role: 'center' }),
      'GET /api/v1/categories': { items: makeTree() },
      'GET /api/v1/events': { items: [] },
    }).calls
    await refreshSession()
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/events/workbench', name: 'events-workbench', component: Stub },
        { path: '/events/report', name: 'events-report', component: Stub },
        { path: '/events/:id', name: 'event', component: Stub },
      ],
    })
    await router.push('/events/workbench?queue=overdue&region=230602001&category=city_appearance')
    wrapper = mount(WorkbenchPage, { global: { plugins: [i18n, router] }, attachTo: document.body })
    await settle()
    const listed = calls.filter((c) => c.url.startsWith('/api/v1/events?') && c.url.includes('limit=50'))
    expect(listed).toHaveLength(1)
    const q = new URL(listed[0]!.url, 'http://x').searchParams
    expect([q.get('queue'), q.get('region'), q.get('category')]).toEqual(['overdue', '230602001', 'city_appearance'])
    expect(($('event-filter-region')?.querySelector('input') ?? ($('event-filter-region') as HTMLInputElement)).value).toBe('230602001')

    // Another figure's link while the workbench stays open.
    await router.push('/events/workbench?queue=overdue&region=230602002')
    await settle()
    const again = calls.filter((c) => c.url.startsWith('/api/v1/events?') && c.url.includes('limit=50'))
    expect(new URL(again.at(-1)!.url, 'http://x').searchParams.get('region')).toBe('230602002')
  })
})
