import { describe, expect, it } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import ElementPlus from 'element-plus'
import { h } from 'vue'
import RouteTabs from './RouteTabs.vue'

const Page = (text: string) => ({ render: () => h('p', { 'data-testid': 'page' }, text) })

function setup() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/a', name: 'tab-a', component: Page('A') },
      { path: '/b', name: 'tab-b', component: Page('B') },
    ],
  })
  const tabs = [
    { name: 'tab-a', label: '甲', testid: 'tab-a' },
    { name: 'tab-b', label: '乙', testid: 'tab-b' },
  ]
  return { router, tabs }
}

describe('RouteTabs', () => {
  it('shows one tab per route, the child page below, and follows a click to the route', async () => {
    const { router, tabs } = setup()
    await router.push('/a')
    const wrapper = mount(
      { components: { RouteTabs }, setup: () => ({ tabs }), template: '<RouteTabs :tabs="tabs" active="tab-a" testid="sec"><RouterView /></RouteTabs>' },
      { global: { plugins: [router, ElementPlus] } },
    )
    await flushPromises()
    expect(wrapper.find('[data-testid="sec"]').exists()).toBe(true)
    expect(wrapper.find('[data-testid="tab-a"]').text()).toBe('甲')
    expect(wrapper.find('[data-testid="page"]').text()).toBe('A')
    await wrapper.find('[data-testid="tab-b"]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.name).toBe('tab-b')
    expect(wrapper.find('[data-testid="page"]').text()).toBe('B')
  })
})
