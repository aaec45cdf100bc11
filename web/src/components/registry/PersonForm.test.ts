import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { ElDatePicker, ElSelect } from 'element-plus'
import { setCsrfToken } from '../../api/client'
import type { Person } from '../../api/types'
import { i18n } from '../../i18n'
import { jsonResponse, problemResponse, sentRequest, stubFetch } from '../../test/http'
import { $, ID_NUMBER, MASKED_ID, PHONE, itemError, makePerson, settle, type } from '../../test/registry'
import PersonForm from './PersonForm.vue'

let wrapper: VueWrapper

async function mountForm(props: { person?: Person; presetHouse?: string } = {}): Promise<void> {
  wrapper = mount(PersonForm, {
    props: { modelValue: true, ...props },
    global: { plugins: [i18n] },
    attachTo: document.body,
  })
  await settle()
}

async function pick(testid: string, value: string): Promise<void> {
  const select = wrapper.findAllComponents(ElSelect).find((c) => c.attributes('data-testid') === testid)
  if (!select) throw new Error(`no select ${testid}`)
  select.vm.$emit('update:modelValue', value)
  await settle()
}

/** Element Plus shows a form item's error a moment after it is set. */
async function expectError(testid: string, reason: string): Promise<void> {
  await vi.waitFor(() => expect(itemError(testid)).toBe(reason))
}

async function shown(): Promise<void> {
  await vi.waitFor(() => expect(document.body.querySelector('.el-form-item__error')).not.toBeNull())
}

async function click(testid: string): Promise<void> {
  $(testid)!.click()
  await settle()
}

/** A new person living at H-100 with two tags; the first tag since 1 Jan 2024. */
async function fillNewPerson(): Promise<void> {
  await mountForm({ presetHouse: 'H-100' })
  type('person-form-name', ' 刘凤芝 ')
  type('person-form-id-number', ID_NUMBER)
  type('person-form-phone', PHONE)
  await click('person-form-tag-add')
  await click('person-form-tag-add')
  await pick('person-form-tag-0', 'empty_nest')
  await pick('person-form-tag-1', 'low_income')
  wrapper.findAllComponents(ElDatePicker)[0]!.vm.$emit('update:modelValue', '2024-01-01')
  await settle()
}

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  setCsrfToken('csrf-person')
})

afterEach(() => {
  wrapper.unmount()
  setCsrfToken('')
  document.body.innerHTML = ''
})

describe('PersonForm', () => {
  it('sends the person as the API takes it and says it was created', async () => {
    const fetch = stubFetch(jsonResponse(201, makePerson()))
    await fillNewPerson()
    expect(($('person-form-house-code-0') as HTMLInputElement).value).toBe('H-100')
    await click('person-form-submit')

    const req = sentRequest(fetch)
    expect(req.url).toBe('/api/v1/persons')
    expect(req.method).toBe('POST')
    expect(req.headers.get('X-CSRF-Token')).toBe('csrf-person')
    expect(req.body).toEqual({
      name: '刘凤芝',
      id_number: ID_NUMBER,
      phone: PHONE,
      residence_type: 'registered',
      household_no: '',
      relation: '',
      houses: [{ house_code: 'H-100', relation: 'lives' }],
      tags: [{ tag: 'empty_nest', since: '2024-01-01' }, { tag: 'low_income' }],
    })
    expect(wrapper.emitted('saved')).toEqual([[{ item: makePerson(), created: true }]])
    expect(wrapper.emitted('update:modelValue')).toEqual([[false]])
  })

  it('shows each reason of the server next to the input it names, rows of houses and tags included', async () => {
    stubFetch(
      problemResponse(400, {
        code: 'invalid',
        detail: 'invalid input',
        errors: [
          { field: 'phone', reason: 'a mobile number has 11 digits, got 5' },
          { field: 'houses[0].house_code', reason: 'house H-100 not found' },
          { field: 'tags[0]', reason: 'tag "empty_nest" given twice' },
          { field: 'tags[1].since', reason: 'must be a date as YYYY-MM-DD' },
          { field: 'tags[1].until', reason: 'must be a date as YYYY-MM-DD' },
          { field: 'grid_code', reason: 'grid 990199 not found' },
          { field: 'version', reason: 'is stale' },
        ],
      }),
    )
    await fillNewPerson()
    await click('person-form-submit')

    await shown()
    await expectError('person-form-phone', 'a mobile number has 11 digits, got 5')
    await expectError('person-form-house-code-0', 'house H-100 not found')
    await expectError('person-form-tag-0', 'tag "empty_nest" given twice')
    expect(itemError('person-form-tag-1')).toBe('')
    const dates = () => document.body.querySelectorAll('[data-testid="person-form-tag-row-1"] .el-form-item__error')
    await vi.waitFor(() => expect(dates()).toHaveLength(2))
    expect([...dates()].map((e) => e.textContent?.trim())).toEqual([
      'must be a date as YYYY-MM-DD',
      'must be a date as YYYY-MM-DD',
    ])
    await expectError('person-form-grid-code', 'grid 990199 not found')
    expect(itemError('person-form-name')).toBe('')
    // A field the form has no input for is listed with the summary.
    expect($('person-form-error')?.textContent).toContain('输入有误')
    expect($('person-form-unplaced')?.textContent).toBe('version: is stale')
    expect(wrapper.emitted('saved')).toBeUndefined()
  })

  it('drops the reasons for rows once a row is removed, since the rows after it move up', async () => {
    stubFetch(
      problemResponse(400, {
        code: 'invalid',
        errors: [
          { field: 'name', reason: 'must not contain < or >' },
          { field: 'tags[1].since', reason: 'must be a date as YYYY-MM-DD' },
        ],
      }),
    )
    await fillNewPerson()
    await click('person-form-tag-add')
    await pick('person-form-tag-2', 'disabled')
    await click('person-form-submit')
    const failing = () =>
      [...document.body.querySelectorAll('[data-testid^="person-form-tag-row-"] .el-form-item.is-error')].map(
        (item) => item.closest('[data-testid^="person-form-tag-row-"]')?.getAttribute('data-testid'),
      )
    expect(failing()).toEqual(['person-form-tag-row-1'])

    await click('person-form-tag-remove-0')
    expect(document.body.querySelectorAll('[data-testid^="person-form-tag-row-"]')).toHaveLength(2)
    // Without this the reason for the old second row would now sit on the old third.
    expect(failing()).toEqual([])
    await expectError('person-form-name', 'must not contain < or >')
  })

  it('asks for the name, the ID number and each row’s house and tag before it sends anything', async () => {
    const fetch = stubFetch()
    await mountForm()
    await click('person-form-house-add')
    await click('person-form-tag-add')
    await click('person-form-submit')
    expect(fetch).not.toHaveBeenCalled()
    await shown()
    await expectError('person-form-name', '请填写此项')
    await expectError('person-form-id-number', '请填写此项')
    await expectError('person-form-house-code-0', '请填写此项')
    await expectError('person-form-tag-0', '请填写此项')
  })

  it('edits with a PATCH of only the changed fields and the version, never the ID number', async () => {
    const fetch = stubFetch(jsonResponse(200, makePerson({ name: '刘凤英', version: 4 })))
    await mountForm({ person: makePerson({ version: 3 }) })
    const id = $('person-form-id-number') as HTMLInputElement
    expect(id.value).toBe(MASKED_ID)
    expect(id.readOnly).toBe(true)
    expect(($('person-form-name') as HTMLInputElement).value).toBe('刘凤芝')
    expect(($('person-form-phone') as HTMLInputElement).value).toBe('')
    expect($('person-form-phone-hint')?.textContent).toContain('留空则不修改')
    expect($('person-form-id-hint')).not.toBeNull()
    expect(document.body.querySelectorAll('[data-testid^="person-form-tag-row-"]')).toHaveLength(1)

    type('person-form-name', '刘凤英')
    await click('person-form-submit')
    const req = sentRequest(fetch)
    expect(req.url).toBe('/api/v1/persons/42')
    expect(req.method).toBe('PATCH')
    expect(req.headers.get('X-CSRF-Token')).toBe('csrf-person')
    expect(req.body).toEqual({ version: 3, name: '刘凤英' })
    expect(wrapper.emitted('saved')).toEqual([[{ item: makePerson({ name: '刘凤英', version: 4 }), created: false }]])
  })

  it('sends the phone only when typed, and whole rows of houses or tags only when they changed', async () => {
    const fetch = stubFetch(jsonResponse(200, makePerson()))
    await mountForm({ person: makePerson() })
    type('person-form-phone', PHONE)
    await click('person-form-house-add')
    type('person-form-house-code-1', 'H-200')
    await click('person-form-submit')
    const body = sentRequest(fetch).body as Record<string, unknown>
    expect(body).toEqual({
      version: 1,
      phone: PHONE,
      houses: [
        { house_code: 'H-100', relation: 'lives' },
        { house_code: 'H-200', relation: 'lives' },
      ],
    })
    expect(body).not.toHaveProperty('id_number')
    expect(body).not.toHaveProperty('tags')
  })

  it('sends just the version when nothing changed, and keeps a revealed ID number read-only', async () => {
    const fetch = stubFetch(jsonResponse(200, makePerson()))
    await mountForm({ person: makePerson({ id_number: ID_NUMBER, phone: PHONE, revealed: true, version: 9 }) })
    const id = $('person-form-id-number') as HTMLInputElement
    expect(id.value).toBe(ID_NUMBER)
    expect(id.readOnly).toBe(true)
    expect(($('person-form-phone') as HTMLInputElement).value).toBe('')
    await click('person-form-submit')
    expect(sentRequest(fetch).body).toEqual({ version: 9 })
  })

  it('asks to reload when someone else changed the person (409 on a stale version)', async () => {
    stubFetch(
      problemResponse(409, {
        code: 'conflict',
        detail: 'person 42 was changed since version 1',
        errors: [{ field: 'version', reason: 'is stale' }],
      }),
    )
    await mountForm({ person: makePerson() })
    type('person-form-name', '刘凤英')
    await click('person-form-submit')
    expect($('person-form-error')?.textContent).toContain('该人员信息已被他人修改')
    expect($('person-form-stale')?.textContent).toContain('请重新加载后再编辑')
    expect($('person-form-unplaced')).toBeNull()
    expect(wrapper.emitted('saved')).toBeUndefined()

    await click('person-form-reload')
    expect(wrapper.emitted('reload')).toHaveLength(1)
    expect(wrapper.emitted('update:modelValue')).toEqual([[false]])
  })
})
