import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { setCsrfToken } from '../../api/client'
import type { House } from '../../api/types'
import { i18n } from '../../i18n'
import HousePage from '../../pages/registry/HousePage.vue'
import { forgetRegionNames } from '../../registry/regionNames'
import { jsonResponse, problemResponse, sentRequest, stubFetch } from '../../test/http'
import { makeGridDetail } from '../../test/map'
import { $, itemError, makeHouse, makeHouseDetail, makePerson, registryRouter, settle, type } from '../../test/registry'
import HouseForm from './HouseForm.vue'

let wrapper: VueWrapper

async function mountForm(house?: House): Promise<void> {
  wrapper = mount(HouseForm, {
    props: { modelValue: true, house },
    global: { plugins: [i18n] },
    attachTo: document.body,
  })
  await settle()
}

async function submit(): Promise<void> {
  $('house-form-submit')!.click()
  await settle()
}

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  setCsrfToken('csrf-house')
})

afterEach(() => {
  wrapper.unmount()
  setCsrfToken('')
  forgetRegionNames()
  document.body.innerHTML = ''
})

describe('HouseForm', () => {
  it('sends a located house without a grid, for the server to place it', async () => {
    const fetch = stubFetch(jsonResponse(201, makeHouse()))
    await mountForm()
    type('house-form-code', ' H-100 ')
    type('house-form-estate', '友谊小区')
    type('house-form-room', '101')
    type('house-form-lng', '124.9')
    type('house-form-lat', '46.5')
    type('house-form-floor-area', '86.5')
    ;($('house-form-crs-gcj02')!.querySelector('input') as HTMLInputElement).click()
    await settle()
    await submit()

    const req = sentRequest(fetch)
    expect(req.url).toBe('/api/v1/houses')
    expect(req.method).toBe('POST')
    expect(req.headers.get('X-CSRF-Token')).toBe('csrf-house')
    expect(req.body).toEqual({
      house_code: 'H-100',
      estate: '友谊小区',
      room: '101',
      lng: 124.9,
      lat: 46.5,
      crs: 'gcj02',
      usage: 'self_occupied',
      floor_area_m2: 86.5,
    })
    expect(wrapper.emitted('saved')).toEqual([[{ item: makeHouse(), created: true }]])
  })

  it('wants a grid code or a whole location before it asks the server', async () => {
    const fetch = stubFetch()
    await mountForm()
    type('house-form-code', 'H-100')
    await submit()
    await vi.waitFor(() => expect(itemError('house-form-grid-code')).toContain('请填写所属网格'))
    type('house-form-lng', '124.9')
    type('house-form-floor-area', 'big')
    await submit()
    await vi.waitFor(() => expect(itemError('house-form-lat')).toBe('经度和纬度需同时填写'))
    await vi.waitFor(() => expect(itemError('house-form-floor-area')).toBe('请输入数字'))
    expect(fetch).not.toHaveBeenCalled()
  })

  it('shows the server’s reasons next to the inputs', async () => {
    stubFetch(
      problemResponse(400, {
        code: 'invalid',
        detail: 'invalid input',
        errors: [
          { field: 'house_code', reason: "must be 3-64 letters, digits, '_' or '-'" },
          { field: 'lng', reason: 'the location is not inside any grid' },
        ],
      }),
    )
    await mountForm()
    type('house-form-code', 'H 1')
    type('house-form-lng', '1')
    type('house-form-lat', '1')
    await submit()
    await vi.waitFor(() => expect(itemError('house-form-code')).toBe("must be 3-64 letters, digits, '_' or '-'"))
    await vi.waitFor(() => expect(itemError('house-form-lng')).toBe('the location is not inside any grid'))
    expect($('house-form-error')?.textContent).toContain('输入有误')
  })

  it('edits a house under its code, with its WGS-84 location', async () => {
    const fetch = stubFetch(jsonResponse(200, makeHouse({ usage: 'vacant' })))
    await mountForm(makeHouse())
    const code = $('house-form-code') as HTMLInputElement
    expect(code.value).toBe('H-100')
    expect(code.readOnly).toBe(true)
    expect(($('house-form-lng') as HTMLInputElement).value).toBe('124.9')
    expect(($('house-form-grid-code') as HTMLInputElement).value).toBe('990101001001001')
    await submit()
    expect(sentRequest(fetch).body).toMatchObject({ house_code: 'H-100', lng: 124.9, lat: 46.5, crs: 'wgs84', usage: 'rented' })
    expect(wrapper.emitted('saved')).toEqual([[{ item: makeHouse({ usage: 'vacant' }), created: false }]])
  })
})

describe('HousePage', () => {
  it('shows the house, its grid by name, and its occupants with how they are tied to it', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn<typeof fetch>(async (input) => {
        const url = String(input)
        if (url === '/api/v1/houses/H-100')
          return jsonResponse(200, makeHouseDetail({ occupants: [makePerson(), makePerson({ id: 43, name: '王建国', houses: [{ house_code: 'H-100', relation: 'owns' }] })] }))
        if (url === '/api/v1/regions/990101001001001') return jsonResponse(200, makeGridDetail())
        throw new Error(`unexpected request ${url}`)
      }),
    )
    const router = registryRouter()
    await router.push('/registry/houses/H-100')
    wrapper = mount(HousePage, { props: { code: 'H-100' }, global: { plugins: [i18n, router] }, attachTo: document.body })
    await settle()

    expect($('house-code')?.textContent).toBe('H-100')
    expect($('house-usage')?.textContent).toBe('出租')
    expect($('house-grid')?.textContent?.trim()).toBe('幸福社区第1网格 (990101001001001)')
    expect($('house-location')?.textContent).toBe('124.900000, 46.500000')
    expect($('person-house-link-42')?.textContent).toBe('居住')
    expect($('person-house-link-43')?.textContent).toBe('产权')
    expect(($('person-link-43') as HTMLAnchorElement).getAttribute('href')).toBe('/registry/persons/43')
    expect($('person-id-number-42')?.textContent).toBe('230602********003X')

    $('house-add-person')!.click()
    await settle()
    expect(($('person-form-house-code-0') as HTMLInputElement).value).toBe('H-100')
  })
})
