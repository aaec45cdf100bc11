import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import type { Role } from '../api/types'
import { i18n } from '../i18n'
import { routes } from '../router/routes'
import { refreshSession } from '../session'
import { jsonResponse, makeMe, stubFetch } from '../test/http'
import NavMenu from './NavMenu.vue'

let wrapper: VueWrapper

async function menuFor(role: Role): Promise<string[]> {
  stubFetch(jsonResponse(200, makeMe({ role })))
  await refreshSession()
  const router = createRouter({ history: createMemoryHistory(), routes })
  await router.push('/')
  wrapper = mount(NavMenu, { global: { plugins: [i18n, router] } })
  await flushPromises()
  return wrapper.findAll('[data-testid^="nav-"]').map((e) => e.text().trim())
}

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

afterEach(() => wrapper.unmount())

describe('NavMenu', () => {
  it('shows the grid map and the registry to grid workers', async () => {
    expect(await menuFor('worker')).toEqual(['首页', '事件工作台', '网格地图', '人口房屋', '我的'])
  })

  it('shows the registry only to the roles that keep it', async () => {
    expect(await menuFor('center')).toEqual(['首页', '指挥看板', '事件工作台', '通知公告', '网格地图', '人口房屋', '网格力量', '事件目录', '工作日历', '我的'])
    wrapper.unmount()
    expect(await menuFor('department')).toEqual(['首页', '事件工作台', '网格地图', '我的'])
    wrapper.unmount()
    expect(await menuFor('leader')).toEqual(['首页', '指挥看板', '事件工作台', '网格地图', '网格力量', '我的'])
  })

  it('hides them from residents', async () => {
    expect(await menuFor('resident')).toEqual(['首页', '我的'])
  })

  it('names them in English', async () => {
    i18n.global.locale.value = 'en'
    expect(await menuFor('admin')).toEqual([
      'Home',
      'Dashboards',
      'Events',
      'Notices',
      'Grid map',
      'Persons & houses',
      'Workforce',
      'Event catalog',
      'Working calendar',
      'API keys',
      'My account',
    ])
  })

  it('marks the registry entry on its pages', async () => {
    stubFetch(jsonResponse(200, makeMe({ role: 'center' })))
    await refreshSession()
    const router = createRouter({ history: createMemoryHistory(), routes })
    await router.push('/registry/houses/H-100')
    wrapper = mount(NavMenu, { global: { plugins: [i18n, router] } })
    await flushPromises()
    expect(wrapper.get('[data-testid="nav-registry"]').classes()).toContain('is-active')
  })
})
