import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import type { Display } from '../../api/displays'
import { i18n } from '../../i18n'
import { ROUTE, decide } from '../../router/guard'
import { routes } from '../../router/routes'
import { refreshSession } from '../../session'
import { emptyResponse, makeMe, routeFetch, type SentCall } from '../../test/http'
import { $, settle } from '../../test/registry'
import DisplaysPage from './DisplaysPage.vue'

let wrapper: VueWrapper | undefined
let calls: SentCall[]

function makeDisplay(overrides: Partial<Display> = {}): Display {
  return {
    id: 1,
    name: '指挥中心大屏',
    region: { code: '230602001', name: '萨尔图街道' },
    created_by: { id: 9, username: 'leader1' },
    created_at: '2026-06-01T00:30:00Z',
    last_seen_at: '2026-06-02T01:00:00Z',
    revoked_at: null,
    revoked_by: '',
    active: true,
    ends_at: '2026-07-02T01:00:00Z',
    ...overrides,
  }
}

async function open(routesByCall: Record<string, unknown>): Promise<void> {
  calls = routeFetch({ 'GET /api/v1/me': makeMe({ role: 'center', scope: { kind: 'region', code: '230602', name: '萨尔图区' } }), ...routesByCall }).calls
  await refreshSession()
  wrapper = mount(DisplaysPage, { global: { plugins: [i18n] }, attachTo: document.body })
  await settle()
}

const text = (testid: string) => $(testid)?.textContent?.replace(/\s+/g, ' ').trim() ?? ''

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
  vi.unstubAllGlobals()
})

describe('DisplaysPage', () => {
  it('lists each display with its region, creator and status', async () => {
    await open({
      'GET /api/v1/displays': {
        items: [
          makeDisplay({ id: 4, name: '二号屏' }),
          makeDisplay({ id: 3, name: '三号屏', active: false, ends_at: null }),
          makeDisplay({ id: 2, name: '旧屏', active: false, ends_at: null, revoked_at: '2026-06-03T02:00:00Z', revoked_by: 'center1' }),
          makeDisplay({ id: 1, active: false, ends_at: null, revoked_at: '2026-06-04T02:00:00Z' }),
        ],
      },
    })
    expect(text('display-name-4')).toBe('二号屏')
    expect(text('display-status-4')).toContain('在用')
    expect(text('display-status-4')).toContain('未使用将于 2026/07/02 09:00 失效')
    expect(text('display-status-3')).toBe('已失效')
    expect(text('display-status-2')).toContain('已吊销 2026/06/03 10:00')
    expect(text('display-status-2')).toContain('center1')
    expect(text('display-status-1')).toContain('已在终端上退出')
    expect(text('display-table')).toContain('萨尔图街道')
    expect(text('display-table')).toContain('leader1')
    // Only displays not yet revoked can be revoked.
    expect($('display-revoke-4')).not.toBeNull()
    expect($('display-revoke-3')).not.toBeNull()
    expect($('display-revoke-2')).toBeNull()
    expect($('display-revoke-1')).toBeNull()
  })

  it('revokes on a second click only, then lists again', async () => {
    await open({
      'GET /api/v1/displays': [{ items: [makeDisplay()] }, { items: [makeDisplay({ active: false, ends_at: null, revoked_at: '2026-06-03T02:00:00Z', revoked_by: 'zhangsan' })] }],
      'DELETE /api/v1/displays/1': emptyResponse(204),
    })
    $('display-revoke-1')!.click()
    await settle()
    expect(calls.filter((c) => c.method === 'DELETE')).toEqual([])
    expect(text('display-revoke-1')).toBe('确认吊销')
    $('display-revoke-1')!.click()
    await settle()
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.url)).toEqual(['/api/v1/displays/1'])
    expect(text('display-status-1')).toContain('已吊销')
    expect($('display-revoke-1')).toBeNull()
  })

  it('shows the empty state', async () => {
    await open({ 'GET /api/v1/displays': { items: [] } })
    expect(text('display-table')).toContain('尚无大屏终端')
  })
})

describe('a display in the console', () => {
  const route = (path: string) => createRouter({ history: createMemoryHistory(), routes }).resolve(path)
  const display = makeMe({ role: 'leader', display: { id: 1, name: '大屏', region: { code: '230602001', name: '萨尔图街道' } } })

  it('can open the big screen and nothing else', () => {
    expect(decide(route('/screen?region=230602001'), display)).toBe(true)
    for (const path of ['/', '/me', '/registry/persons', '/events/workbench', '/displays', '/login', '/password', '/no-such-page']) {
      expect(decide(route(path), display), path).toEqual({ name: ROUTE.screen })
    }
  })

  it('leaves other users as they were', () => {
    expect(decide(route('/displays'), makeMe({ role: 'center' }))).toBe(true)
    expect(decide(route('/displays'), makeMe({ role: 'leader' }))).toEqual({ name: ROUTE.home })
  })
})
