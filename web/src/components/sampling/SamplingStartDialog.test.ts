import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { ElDatePicker, ElInputNumber } from 'element-plus'
import { setCsrfToken } from '../../api/client'
import { i18n } from '../../i18n'
import { refreshSession } from '../../session'
import { jsonResponse, makeMe, problemResponse, routeFetch, stubFetch } from '../../test/http'
import { $, itemError, makeRound, settle, type } from '../../test/registry'
import SamplingStartDialog from './SamplingStartDialog.vue'

let wrapper: VueWrapper

async function open(): Promise<void> {
  stubFetch(jsonResponse(200, makeMe({ role: 'center', scope: { kind: 'region', code: '990101', name: '东区' } })))
  await refreshSession()
  wrapper = mount(SamplingStartDialog, {
    props: { modelValue: true },
    global: { plugins: [i18n] },
    attachTo: document.body,
  })
  await settle()
}

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  setCsrfToken('csrf-center')
  vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-05-31T16:30:00Z') })
})

afterEach(() => {
  vi.useRealTimers()
  wrapper.unmount()
  setCsrfToken('')
  document.body.innerHTML = ''
})

describe('SamplingStartDialog', () => {
  it('starts with this month in Beijing, the user’s own region and five per grid, and starts the round', async () => {
    await open()
    const month = wrapper.findComponent(ElDatePicker)
    expect(month.props('modelValue')).toBe('2026-06')
    expect(($('sampling-start-region') as HTMLInputElement).value).toBe('990101')
    expect(wrapper.findComponent(ElInputNumber).props('modelValue')).toBe(5)

    const { calls } = routeFetch({ 'POST /api/v1/sampling/rounds': jsonResponse(201, makeRound({ sampled: 12 })) })
    type('sampling-start-region', ' 990101001 ')
    wrapper.findComponent(ElInputNumber).vm.$emit('update:modelValue', 3)
    await settle()
    $('sampling-start-submit')!.click()
    await settle()
    expect(calls).toEqual([
      {
        method: 'POST',
        url: '/api/v1/sampling/rounds',
        body: { month: '2026-06', region_code: '990101001', per_grid: 3 },
      },
    ])
    expect(wrapper.emitted('started')?.[0]).toEqual([makeRound({ sampled: 12 })])
    expect(wrapper.emitted('update:modelValue')?.at(-1)).toEqual([false])
  })

  it('wants a region before it asks the server', async () => {
    await open()
    const { calls } = routeFetch({})
    type('sampling-start-region', '  ')
    await settle()
    $('sampling-start-submit')!.click()
    await settle()
    expect(calls).toEqual([])
    await vi.waitFor(() => expect(itemError('sampling-start-region')).toBe('请填写此项'))
  })

  it('shows the server’s reason next to the month when the round exists already', async () => {
    await open()
    routeFetch({
      'POST /api/v1/sampling/rounds': problemResponse(400, {
        code: 'invalid',
        detail: 'invalid input',
        errors: [{ field: 'month', reason: '990101 already has a sampling round for 2026-06' }],
      }),
    })
    $('sampling-start-submit')!.click()
    await settle()
    expect($('sampling-start-error')?.textContent).toContain('输入有误')
    expect($('sampling-start-month')).not.toBeNull()
    await vi.waitFor(() => expect(itemError('sampling-start-month')).toContain('already has a sampling round'))
    expect(wrapper.emitted('started')).toBeUndefined()
  })
})
