import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { i18n } from '../../i18n'
import { routeFetch, type SentCall } from '../../test/http'
import { $, settle, type } from '../../test/registry'
import { GRID1 } from './fixtures'
import MemberForm from './MemberForm.vue'

let wrapper: VueWrapper
let calls: SentCall[]

const member = {
  id: 8,
  grid_code: GRID1,
  role: 'volunteer' as const,
  name: '志愿者甲',
  phone: '139****1111',
  note: '楼长',
  version: 2,
}

async function edit(): Promise<void> {
  calls = routeFetch({ 'PATCH /api/v1/workforce/team-members/8': { ...member, version: 3 } }).calls
  wrapper = mount(MemberForm, {
    props: { modelValue: true, grid: GRID1, member },
    global: { plugins: [i18n] },
    attachTo: document.body,
  })
  await settle()
}

async function save(): Promise<Record<string, unknown>> {
  $('member-form-submit')!.click()
  await settle()
  const sent = calls.find((c) => c.method === 'PATCH')
  if (!sent) throw new Error('no PATCH sent')
  return sent.body as Record<string, unknown>
}

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

afterEach(() => {
  wrapper.unmount()
  document.body.innerHTML = ''
})

describe('MemberForm', () => {
  it('keeps the phone on record when it is left as shown', async () => {
    await edit()
    expect(($('member-form-phone') as HTMLInputElement).value).toBe('139****1111')
    type('member-form-note', '平安志愿者')
    const body = await save()
    expect(body).not.toHaveProperty('phone')
    expect(body).toMatchObject({ version: 2, name: '志愿者甲', note: '平安志愿者', department_code: '' })
  })

  it('sends an empty phone and note when the user emptied them', async () => {
    await edit()
    type('member-form-phone', '')
    type('member-form-note', ' ')
    const body = await save()
    expect(body).toMatchObject({ version: 2, phone: '', note: '' })
  })

  it('sends a phone typed anew', async () => {
    await edit()
    type('member-form-phone', ' 13800002222 ')
    expect(await save()).toMatchObject({ phone: '13800002222' })
  })
})
