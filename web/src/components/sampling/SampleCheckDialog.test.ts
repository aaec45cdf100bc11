import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { ElRadioGroup, ElSelect, ElSwitch } from 'element-plus'
import { setCsrfToken } from '../../api/client'
import { i18n } from '../../i18n'
import { forgetRegionNames } from '../../registry/regionNames'
import { emptyResponse, problemResponse, routeFetch, type SentCall } from '../../test/http'
import {
  $,
  MASKED_ID,
  MASKED_PHONE,
  itemError,
  makeHouse,
  makePerson,
  makeSample,
  settle,
  type,
} from '../../test/registry'
import SampleCheckDialog from './SampleCheckDialog.vue'

let wrapper: VueWrapper
let calls: SentCall[]

const personItem = { ...makeSample({ id: 11 }), person: makePerson({ version: 3 }) }
const houseItem = {
  ...makeSample({ id: 12, record_type: 'house', record_id: 7, record_label: 'H-100' }),
  house: makeHouse({ version: 2 }),
}

async function open(item: object, answer: Response = emptyResponse(204)): Promise<void> {
  const id = (item as { id: number }).id
  ;({ calls } = routeFetch({
    [`GET /api/v1/sampling/items/${id}`]: item,
    [`POST /api/v1/sampling/items/${id}`]: answer,
    'GET /api/v1/regions/990101001001001': { code: '990101001001001', name: '友谊一网格' },
  }))
  wrapper = mount(SampleCheckDialog, {
    props: { modelValue: true, itemId: id },
    global: { plugins: [i18n] },
    attachTo: document.body,
  })
  await settle()
}

async function choose(result: 'correct' | 'incorrect'): Promise<void> {
  wrapper.findComponent(ElRadioGroup).vm.$emit('update:modelValue', result)
  await settle()
}

async function correcting(): Promise<void> {
  wrapper
    .findAllComponents(ElSwitch)
    .find((c) => c.attributes('data-testid') === 'sample-check-correct-record')!
    .vm.$emit('update:modelValue', true)
  await settle()
}

async function submit(): Promise<void> {
  $('sample-check-submit')!.click()
  await settle()
}

const posted = () => calls.filter((c) => c.method === 'POST')

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  setCsrfToken('csrf-worker')
  forgetRegionNames()
})

afterEach(() => {
  wrapper.unmount()
  setCsrfToken('')
  document.body.innerHTML = ''
})

describe('SampleCheckDialog', () => {
  it('shows the record as it stands, numbers masked, and confirms it', async () => {
    await open(personItem)
    expect($('sample-check-current-name')?.textContent).toBe('刘凤芝')
    expect($('sample-check-current-id-number')?.textContent).toBe(MASKED_ID)
    expect($('sample-check-current-phone')?.textContent).toBe(MASKED_PHONE)
    expect($('sample-check-person')?.textContent).toContain('友谊一网格')
    expect($('sample-check-note')).toBeNull()
    await submit()
    expect(posted()).toEqual([{ method: 'POST', url: '/api/v1/sampling/items/11', body: { result: 'correct' } }])
    expect(wrapper.emitted('checked')?.[0]).toEqual([11])
  })

  it('wants a note or a correction for an incorrect record', async () => {
    await open(personItem)
    await choose('incorrect')
    await submit()
    expect(posted()).toEqual([])
    await vi.waitFor(() => expect(itemError('sample-check-note')).toBe('请说明哪里有误，或更正记录'))
    type('sample-check-note', ' 已搬离 ')
    await submit()
    expect(posted()[0]!.body).toEqual({ result: 'incorrect', note: '已搬离' })
  })

  it('corrects a person with only the changed fields and the version read, the phone kept when left empty', async () => {
    await open(personItem)
    await choose('incorrect')
    await correcting()
    expect(($('sample-check-person-name') as HTMLInputElement).value).toBe('刘凤芝')
    expect(($('sample-check-person-phone') as HTMLInputElement).value).toBe('')
    expect(($('sample-check-person-phone') as HTMLInputElement).placeholder).toBe(MASKED_PHONE)
    await submit()
    expect(posted()).toEqual([])
    expect($('sample-check-unplaced')?.textContent).toContain('更正未修改任何字段')

    type('sample-check-person-household-no', 'HH-0099')
    type('sample-check-person-name', '刘凤枝')
    await settle()
    await submit()
    expect(posted()[0]!.body).toEqual({
      result: 'incorrect',
      person: { version: 3, name: '刘凤枝', household_no: 'HH-0099' },
    })
    expect(wrapper.emitted('checked')).toHaveLength(1)
  })

  it('puts the server’s reasons next to the corrected inputs', async () => {
    await open(
      personItem,
      problemResponse(400, {
        code: 'invalid',
        detail: 'invalid input',
        errors: [{ field: 'person.phone', reason: 'not a mobile or landline number' }],
      }),
    )
    await choose('incorrect')
    await correcting()
    type('sample-check-person-phone', '123')
    await settle()
    await submit()
    expect(posted()[0]!.body).toEqual({ result: 'incorrect', person: { version: 3, phone: '123' } })
    expect($('sample-check-error')?.textContent).toContain('输入有误')
    await vi.waitFor(() => expect(itemError('sample-check-person-phone')).toBe('not a mobile or landline number'))
    expect(wrapper.emitted('checked')).toBeUndefined()
  })

  it('says the record changed meanwhile and reads it again on request', async () => {
    await open(
      personItem,
      problemResponse(409, {
        code: 'conflict',
        detail: 'the record was changed',
        errors: [{ field: 'person.version', reason: 'is 3, the record is at 4' }],
      }),
    )
    await choose('incorrect')
    await correcting()
    type('sample-check-person-name', '李四')
    await settle()
    await submit()
    expect($('sample-check-error')?.textContent).toContain('该记录已被他人修改')
    const reads = calls.filter((c) => c.method === 'GET' && c.url === '/api/v1/sampling/items/11').length
    $('sample-check-reload')!.click()
    await settle()
    expect(calls.filter((c) => c.method === 'GET' && c.url === '/api/v1/sampling/items/11').length).toBe(reads + 1)
    expect($('sample-check-error')).toBeNull()
  })

  it('corrects a house: usage from the list, the floor area as a number', async () => {
    await open(houseItem)
    expect($('sample-check-current-code')?.textContent).toBe('H-100')
    expect($('sample-check-current-usage')?.textContent).toBe('出租')
    await choose('incorrect')
    await correcting()
    type('sample-check-house-floor-area', 'big')
    await settle()
    await submit()
    expect(posted()).toEqual([])
    await vi.waitFor(() => expect(itemError('sample-check-house-floor-area')).toBe('请输入数字'))

    type('sample-check-house-floor-area', '90')
    const usage = wrapper
      .findAllComponents(ElSelect)
      .find((c) => c.attributes('data-testid') === 'sample-check-house-usage')!
    usage.vm.$emit('update:modelValue', 'vacant')
    type('sample-check-note', '已空置')
    await settle()
    await submit()
    expect(posted()[0]!.body).toEqual({
      result: 'incorrect',
      note: '已空置',
      house: { version: 2, usage: 'vacant', floor_area_m2: 90 },
    })
  })
})
