import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import type { ApiKey } from '../../api/apikeys'
import { i18n } from '../../i18n'
import { refreshSession } from '../../session'
import { makeMe, problemResponse, routeFetch, type SentCall } from '../../test/http'
import { $, settle, type } from '../../test/registry'
import ApiKeysPage from './ApiKeysPage.vue'

let wrapper: VueWrapper
let calls: SentCall[]

function makeKey(overrides: Partial<ApiKey> = {}): ApiKey {
  return {
    id: 1,
    name: '12345热线',
    prefix: 'gg_AbCdEfGh',
    created_by: 'admin',
    created_at: '2026-06-01T00:30:00Z',
    last_used_at: null,
    revoked_at: null,
    ...overrides,
  }
}

async function open(routes: Record<string, unknown>): Promise<void> {
  calls = routeFetch({ 'GET /api/v1/me': makeMe({ role: 'admin', scope: { kind: 'all', code: '', name: '' } }), ...routes }).calls
  await refreshSession()
  wrapper = mount(ApiKeysPage, { global: { plugins: [i18n] }, attachTo: document.body })
  await settle()
}

const text = (testid: string) => $(testid)?.textContent?.trim() ?? ''
const posts = () => calls.filter((c) => c.method === 'POST')

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

afterEach(() => {
  wrapper.unmount()
  document.body.innerHTML = ''
  vi.unstubAllGlobals()
})

describe('ApiKeysPage', () => {
  it('lists keys by their prefix with their status and last use', async () => {
    await open({
      'GET /api/v1/api-keys': {
        items: [
          makeKey({ id: 2, name: 'fixmystreet', last_used_at: '2026-06-02T01:00:00Z' }),
          makeKey({ revoked_at: '2026-06-03T02:00:00Z', revoked_by: 'admin' }),
        ],
      },
    })
    expect(text('api-key-name-2')).toBe('fixmystreet')
    expect(text('api-key-status-2')).toBe('有效')
    expect(text('api-key-status-1')).toContain('已吊销')
    expect(text('api-key-table')).toContain('gg_AbCdEfGh…')
    expect(text('api-key-table')).toContain('从未使用')
    expect($('api-key-revoke-1')).toBeNull()
    expect(text('api-keys-discovery')).toMatch(/\/open311\/v2\/discovery\.json$/)
  })

  it('creates a key, shows its secret once, and forgets it when dismissed', async () => {
    const writeText = vi.fn(async () => undefined)
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } })
    await open({
      'GET /api/v1/api-keys': [{ items: [] }, { items: [makeKey()] }],
      'POST /api/v1/api-keys': { ...makeKey(), key: 'gg_' + 'x'.repeat(43) },
    })
    type('api-key-name', ' 12345热线 ')
    await settle()
    $('api-key-form')!.dispatchEvent(new Event('submit'))
    await settle()
    expect(posts()[0]).toMatchObject({ url: '/api/v1/api-keys', body: { name: '12345热线' } })
    expect(text('api-key-created')).toContain('已为「12345热线」生成密钥')
    expect(($('api-key-secret') as HTMLInputElement).value).toBe('gg_' + 'x'.repeat(43))
    expect(text('api-key-name-1')).toBe('12345热线')

    $('api-key-copy')!.click()
    await settle()
    expect(writeText).toHaveBeenCalledWith('gg_' + 'x'.repeat(43))
    expect(text('api-key-copy')).toBe('已复制')

    $('api-key-dismiss')!.click()
    await settle()
    expect($('api-key-created')).toBeNull()
    expect(document.body.innerHTML).not.toContain('x'.repeat(43))
  })

  it('shows why a name was refused next to the field', async () => {
    await open({
      'GET /api/v1/api-keys': { items: [makeKey()] },
      'POST /api/v1/api-keys': problemResponse(409, {
        title: 'Conflict',
        code: 'conflict',
        detail: 'a live key with this name exists',
        errors: [{ field: 'name', reason: '"12345热线" already has a key; revoke it first or choose another name' }],
      }),
    })
    type('api-key-name', '12345热线')
    await settle()
    $('api-key-form')!.dispatchEvent(new Event('submit'))
    await settle()
    expect(text('api-keys-error')).toContain('a live key with this name exists')
    // Element Plus shows a field's error after a short debounce.
    await new Promise((r) => setTimeout(r, 150))
    await settle()
    expect($('api-key-name')?.closest('.el-form-item')?.querySelector('.el-form-item__error')?.textContent).toContain('already has a key')
    expect($('api-key-created')).toBeNull()
  })

  it('revokes only after a second click, and reloads', async () => {
    await open({
      'GET /api/v1/api-keys': [{ items: [makeKey()] }, { items: [makeKey({ revoked_at: '2026-06-03T02:00:00Z' })] }],
      'POST /api/v1/api-keys/1/revoke': makeKey({ revoked_at: '2026-06-03T02:00:00Z' }),
    })
    $('api-key-revoke-1')!.click()
    await settle()
    expect(posts()).toHaveLength(0)
    expect(text('api-key-revoke-1')).toBe('确认吊销')
    $('api-key-cancel-1')!.click()
    await settle()
    expect(text('api-key-revoke-1')).toBe('吊销')

    $('api-key-revoke-1')!.click()
    await settle()
    $('api-key-revoke-1')!.click()
    await settle()
    expect(posts().map((c) => c.url)).toEqual(['/api/v1/api-keys/1/revoke'])
    expect(text('api-key-status-1')).toContain('已吊销')
  })

  it('says so when the server refuses a scoped administrator', async () => {
    await open({ 'GET /api/v1/api-keys': problemResponse(403, { title: 'Forbidden', code: 'forbidden', detail: 'only a deployment-wide administrator may manage API keys' }) })
    expect(text('api-keys-error')).toContain('only a deployment-wide administrator')
  })
})
