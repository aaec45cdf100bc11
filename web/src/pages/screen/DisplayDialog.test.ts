import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import type { Display } from '../../api/displays'
import { setCsrfToken } from '../../api/client'
import { i18n } from '../../i18n'
import { currentUser, refreshSession } from '../../session'
import { makeMe, problemResponse, routeFetch, type SentCall } from '../../test/http'
import { $, itemError, settle, type } from '../../test/registry'
import DisplayDialog from './DisplayDialog.vue'

let wrapper: VueWrapper
let calls: SentCall[]

const REGIONS = [
  { code: '230602', name: '萨尔图区' },
  { code: '230602001', name: '萨尔图街道' },
]

const leader = makeMe({ role: 'leader', scope: { kind: 'region', code: '230602', name: '萨尔图区' } })

function madeDisplay(name: string, region = REGIONS[1]!): Display {
  return {
    id: 3,
    name,
    region,
    created_by: { id: leader.id, username: leader.username },
    created_at: '2026-06-01T00:00:00Z',
    last_seen_at: '2026-06-01T00:00:00Z',
    revoked_at: null,
    revoked_by: '',
    active: true,
    ends_at: '2026-07-01T00:00:00Z',
  }
}

async function open(created: unknown): Promise<void> {
  calls = routeFetch({ 'GET /api/v1/me': leader, 'POST /api/v1/displays': created }).calls
  await refreshSession()
  wrapper = mount(DisplayDialog, {
    props: { modelValue: true, regions: REGIONS, region: '230602001' },
    global: { plugins: [i18n] },
    attachTo: document.body,
  })
  await settle()
}

const posts = () => calls.filter((c) => c.method === 'POST')

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

afterEach(() => {
  wrapper.unmount()
  setCsrfToken('')
  document.body.innerHTML = ''
  vi.unstubAllGlobals()
})

describe('DisplayDialog', () => {
  it('says what happens to the console session and starts on the current region', async () => {
    await open({})
    expect($('display-dialog')?.textContent).toContain('控制台登录会随即退出')
    expect($('display-dialog')?.textContent).toContain('30 天')
    await vi.waitFor(() => expect($('display-region')?.textContent).toContain('萨尔图街道'))
  })

  it('wants a name before it asks the server', async () => {
    await open({})
    type('display-name', '   ')
    $('display-submit')!.click()
    await settle()
    await vi.waitFor(() => expect(itemError('display-name')).toBe('请填写此项'))
    expect(posts()).toEqual([])
    expect(wrapper.emitted('created')).toBeUndefined()
  })

  it('turns the browser into a display and becomes its session', async () => {
    const me = { ...leader, scope: { kind: 'region', code: '230602001', name: '萨尔图街道' }, display: { id: 3, name: '指挥中心大屏', region: REGIONS[1]! } }
    await open({ display: madeDisplay('指挥中心大屏'), user: me, csrf_token: 'csrf-display' })
    type('display-name', ' 指挥中心大屏 ')
    $('display-submit')!.click()
    await settle()
    expect(posts()).toEqual([{ method: 'POST', url: '/api/v1/displays', body: { name: '指挥中心大屏', region: '230602001' } }])
    expect(wrapper.emitted('created')?.[0]?.[0]).toMatchObject({ display: { name: '指挥中心大屏' } })
    expect(currentUser.value?.display?.name).toBe('指挥中心大屏')
    expect(wrapper.emitted('update:modelValue')?.at(-1)).toEqual([false])
  })

  it('shows the reason the server gives under the region and stays open', async () => {
    await open(
      problemResponse(400, {
        code: 'invalid',
        title: 'invalid input',
        errors: [{ field: 'region', reason: 'region 230602 is not in your area' }],
      }),
    )
    type('display-name', '大屏')
    $('display-submit')!.click()
    await settle()
    await vi.waitFor(() => expect(itemError('display-region')).toBe('region 230602 is not in your area'))
    expect(wrapper.emitted('created')).toBeUndefined()
    expect(currentUser.value?.display).toBeUndefined()
  })
})
