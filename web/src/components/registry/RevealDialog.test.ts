import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { nextTick } from 'vue'
import { setCsrfToken } from '../../api/client'
import type { Person, Role } from '../../api/types'
import { i18n } from '../../i18n'
import PersonPage from '../../pages/registry/PersonPage.vue'
import { forgetRegionNames } from '../../registry/regionNames'
import { refreshSession } from '../../session'
import { jsonResponse, makeMe, problemResponse, sentRequest, stubFetch } from '../../test/http'
import { makeGridDetail } from '../../test/map'
import { $, ID_NUMBER, MASKED_ID, MASKED_PHONE, PHONE, makePerson, registryRouter, settle, type } from '../../test/registry'
import RevealDialog from './RevealDialog.vue'

let wrapper: VueWrapper

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  setCsrfToken('csrf-reveal')
})

afterEach(() => {
  wrapper.unmount()
  setCsrfToken('')
  vi.useRealTimers()
  forgetRegionNames()
  document.body.innerHTML = ''
})

describe('RevealDialog', () => {
  async function mountDialog(): Promise<void> {
    wrapper = mount(RevealDialog, {
      props: { modelValue: true, personId: 42, personName: '刘凤芝' },
      global: { plugins: [i18n] },
      attachTo: document.body,
    })
    await settle()
  }

  async function submit(): Promise<void> {
    $('reveal-submit')!.click()
    await settle()
  }

  it('wants a purpose of at least 4 characters before it asks the server', async () => {
    const fetch = stubFetch()
    await mountDialog()
    expect($('reveal-dialog')?.textContent).toContain('将显示 刘凤芝 的完整证件号码和联系电话')
    await submit()
    await vi.waitFor(() => expect($('reveal-dialog')?.textContent).toContain('请填写查看用途（4–200 个字）'))
    type('reveal-purpose', '  核实  ')
    await submit()
    expect(fetch).not.toHaveBeenCalled()
    expect(wrapper.emitted('revealed')).toBeUndefined()
  })

  it('says that the reveal goes into the audit log', async () => {
    stubFetch()
    await mountDialog()
    expect($('reveal-audit-note')?.textContent).toContain('审计日志')
    i18n.global.locale.value = 'en'
    await nextTick()
    expect($('reveal-audit-note')?.textContent).toContain('recorded in the audit log')
  })

  it('sends the purpose, closes, and hands over the person unmasked', async () => {
    const revealed = makePerson({ id_number: ID_NUMBER, phone: PHONE, revealed: true, reveal_expires_at: '2026-11-29T10:10:00Z' })
    const fetch = stubFetch(jsonResponse(200, revealed))
    await mountDialog()
    type('reveal-purpose', ' 核实低保申请 ')
    await submit()

    const req = sentRequest(fetch)
    expect(req.url).toBe('/api/v1/persons/42/reveal')
    expect(req.method).toBe('POST')
    expect(req.headers.get('X-CSRF-Token')).toBe('csrf-reveal')
    expect(req.body).toEqual({ purpose: '核实低保申请' })
    expect(wrapper.emitted('revealed')).toEqual([[revealed]])
    expect(wrapper.emitted('update:modelValue')).toEqual([[false]])
  })

  it('shows the server’s reason for the purpose under it, and other refusals above the buttons', async () => {
    stubFetch(
      problemResponse(400, {
        code: 'invalid',
        detail: 'invalid input',
        errors: [{ field: 'purpose', reason: 'state why you need the numbers (4-200 characters)' }],
      }),
      problemResponse(403, { code: 'forbidden', detail: 'you may not reveal personal numbers' }),
    )
    await mountDialog()
    type('reveal-purpose', '核实低保申请')
    await submit()
    await vi.waitFor(() =>
      expect($('reveal-dialog')?.textContent).toContain('state why you need the numbers (4-200 characters)'),
    )
    expect($('reveal-error')).toBeNull()

    await submit()
    expect($('reveal-error')?.textContent).toContain('没有权限执行此操作')
    expect($('reveal-error')?.textContent).toContain('you may not reveal personal numbers')
    expect(wrapper.emitted('revealed')).toBeUndefined()
  })
})

describe('PersonPage: reveal, countdown and re-mask', () => {
  const NOW = new Date('2026-11-29T10:00:00Z')
  const UNTIL = '2026-11-29T10:10:00Z'
  let gets = 0
  let served: () => Person

  async function openAs(role: Role, serve: () => Person = () => makePerson()): Promise<void> {
    gets = 0
    served = serve
    vi.stubGlobal(
      'fetch',
      vi.fn<typeof fetch>(async (input, init) => {
        const url = String(input)
        if (url === '/api/v1/me') return jsonResponse(200, makeMe({ role }))
        if (url === '/api/v1/regions/990101001001001') return jsonResponse(200, makeGridDetail())
        if (url === '/api/v1/persons/42' && (init?.method ?? 'GET') === 'GET') {
          gets++
          return jsonResponse(200, served())
        }
        if (url === '/api/v1/persons/42/reveal' && init?.method === 'POST') {
          return jsonResponse(200, makePerson({ id_number: ID_NUMBER, phone: PHONE, revealed: true, reveal_expires_at: UNTIL }))
        }
        throw new Error(`unexpected request ${init?.method ?? 'GET'} ${url}`)
      }),
    )
    await refreshSession()
    const router = registryRouter()
    await router.push('/registry/persons/42')
    wrapper = mount(PersonPage, { props: { id: '42' }, global: { plugins: [i18n, router] }, attachTo: document.body })
    await settle()
  }

  const text = (testid: string) => $(testid)?.textContent?.trim()

  it('shows the full numbers with a countdown, then hides them again and asks the server anew', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] })
    vi.setSystemTime(NOW)
    await openAs('center')
    expect(text('person-id-number')).toBe(MASKED_ID)
    expect(text('person-phone')).toBe(MASKED_PHONE)
    expect($('reveal-banner')).toBeNull()
    expect(text('person-grid')).toBe('幸福社区第1网格 (990101001001001)')

    $('reveal-open')!.click()
    await settle()
    type('reveal-purpose', '核实低保申请')
    $('reveal-submit')!.click()
    await settle()

    expect(text('person-id-number')).toBe(ID_NUMBER)
    expect(text('person-phone')).toBe(PHONE)
    expect(text('reveal-countdown')).toBe('正在显示完整信息，将在 10:00 后重新隐藏。')
    expect(text('reveal-banner')).toContain('审计日志')
    expect(($('reveal-open') as HTMLButtonElement).disabled).toBe(true)

    vi.advanceTimersByTime(61_000)
    await nextTick()
    expect(text('reveal-countdown')).toContain('08:59')
    expect(text('person-id-number')).toBe(ID_NUMBER)
    expect(gets).toBe(1)

    vi.advanceTimersByTime(9 * 60_000)
    await nextTick()
    // Hidden at once, before the server has answered.
    expect(text('person-id-number')).toBe(MASKED_ID)
    expect(text('person-phone')).toBe(MASKED_PHONE)
    expect($('reveal-banner')).toBeNull()
    await settle()
    expect(gets).toBe(2)
    expect(text('person-id-number')).toBe(MASKED_ID)
    expect(($('reveal-open') as HTMLButtonElement).disabled).toBe(false)
  })

  const live = () => makePerson({ id_number: ID_NUMBER, phone: PHONE, revealed: true, reveal_expires_at: UNTIL })

  it('keeps counting down a reveal that is still running when the page opens', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] })
    vi.setSystemTime(new Date('2026-11-29T10:07:30Z'))
    await openAs('admin', live)
    expect(text('person-id-number')).toBe(ID_NUMBER)
    expect(text('reveal-countdown')).toContain('02:30')
  })

  it('hides numbers the server still sends once this browser’s clock says the reveal is over', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] })
    vi.setSystemTime(new Date('2026-11-29T10:10:05Z'))
    await openAs('admin', live)
    expect(text('person-id-number')).toBe(MASKED_ID)
    expect(text('person-phone')).toBe(MASKED_PHONE)
    expect($('reveal-banner')).toBeNull()
  })

  it('offers the reveal to the center and administrators only', async () => {
    await openAs('worker')
    expect(text('person-id-number')).toBe(MASKED_ID)
    expect($('reveal-open')).toBeNull()
    expect($('reveal-dialog')).toBeNull()
    expect($('person-edit')).not.toBeNull()
  })

  it('links to the houses the person is tied to', async () => {
    await openAs('worker')
    const link = $('person-house-H-100') as HTMLAnchorElement
    expect(link.getAttribute('href')).toBe('/registry/houses/H-100')
    expect(link.closest('li')?.textContent).toContain('居住')
    expect(text('person-tags')).toContain('空巢老人')
    expect(text('person-groups')).toContain('60岁以上')
  })
})
