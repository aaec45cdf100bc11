import { afterEach, describe, expect, it } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n } from '../../i18n'
import { decide } from '../../router/guard'
import { routes } from '../../router/routes'
import { makeMe } from '../../test/http'
import { $, settle } from '../../test/registry'
import CatalogPage from './CatalogPage.vue'

let wrapper: VueWrapper

const Stub = defineComponent({ props: { name: String }, render() { return h('div', { 'data-testid': `stub-${this.name}` }) } })

function catalogRouter() {
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      {
        path: '/catalog',
        component: CatalogPage,
        children: ['categories', 'departments', 'rules'].map((p) => ({
          path: p,
          name: `catalog-${p}`,
          component: Stub,
          props: { name: p },
        })),
      },
    ],
  })
}

afterEach(() => {
  wrapper.unmount()
  document.body.innerHTML = ''
})

describe('CatalogPage', () => {
  it('switches between its three tabs by route', async () => {
    i18n.global.locale.value = 'zh-CN'
    const router = catalogRouter()
    await router.push('/catalog/departments')
    wrapper = mount({ render: () => h('div', [h(CatalogPage)]) }, { global: { plugins: [i18n, router] }, attachTo: document.body })
    await settle()
    expect($('stub-departments')).not.toBeNull()
    expect(document.body.querySelector('.el-tabs__item.is-active')?.textContent).toContain('部门')
    $('catalog-tab-rules')!.click()
    await settle()
    expect(router.currentRoute.value.name).toBe('catalog-rules')
  })

  it('is for those who keep the catalog', () => {
    const router = createRouter({ history: createMemoryHistory(), routes })
    const to = router.resolve('/catalog/rules')
    expect(decide(to, makeMe({ role: 'center' }))).toBe(true)
    expect(decide(to, makeMe({ role: 'admin' }))).toBe(true)
    expect(decide(to, makeMe({ role: 'worker' }))).toEqual({ name: 'home' })
    expect(router.resolve('/catalog').name).toBe('catalog')
  })
})
