import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { ElSelect } from 'element-plus'
import { i18n } from '../../i18n'
import { jsonResponse, problemResponse } from '../../test/http'
import { $, makeHouse, registryRouter, settle, type } from '../../test/registry'
import type { Router } from 'vue-router'
import HousesPage from './HousesPage.vue'

let wrapper: VueWrapper
let urls: string[]
let router: Router

/** Answers each GET /api/v1/houses… with the next of the given bodies (problems as Responses). */
async function open(answers: (object | Response)[], path = '/registry/houses'): Promise<void> {
  urls = []
  let n = 0
  vi.stubGlobal(
    'fetch',
    vi.fn<typeof fetch>(async (input) => {
      const url = String(input)
      if (!url.startsWith('/api/v1/houses')) throw new Error(`unexpected request ${url}`)
      urls.push(url)
      const answer = answers[Math.min(n++, answers.length - 1)]!
      return answer instanceof Response ? answer : jsonResponse(200, answer)
    }),
  )
  router = registryRouter()
  await router.push(path)
  wrapper = mount(HousesPage, { props: { pageSize: 2 }, global: { plugins: [i18n, router] }, attachTo: document.body })
  await settle()
}

const codes = () =>
  [...document.body.querySelectorAll('[data-testid^="house-link-"]')].map((a) => a.textContent?.trim())

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

afterEach(() => {
  wrapper.unmount()
  document.body.innerHTML = ''
})

describe('HousesPage', () => {
  it('pages through the houses with next_after and "load more"', async () => {
    await open([
      { items: [makeHouse({ id: 1, code: 'H-1' }), makeHouse({ id: 2, code: 'H-2' })], next_after: 2 },
      { items: [makeHouse({ id: 3, code: 'H-3' }), makeHouse({ id: 4, code: 'H-4' })], next_after: 4 },
      { items: [makeHouse({ id: 5, code: 'H-5' })] },
    ])
    expect(urls).toEqual(['/api/v1/houses?limit=2'])
    expect(codes()).toEqual(['H-1', 'H-2'])
    expect($('houses-count')?.textContent).toContain('已显示 2 套，还有更多')

    $('houses-more')!.click()
    await settle()
    expect(urls[1]).toBe('/api/v1/houses?after=2&limit=2')
    expect(codes()).toEqual(['H-1', 'H-2', 'H-3', 'H-4'])

    $('houses-more')!.click()
    await settle()
    expect(urls[2]).toBe('/api/v1/houses?after=4&limit=2')
    expect(codes()).toEqual(['H-1', 'H-2', 'H-3', 'H-4', 'H-5'])
    expect($('houses-more')).toBeNull()
    expect($('houses-count')?.textContent).toContain('共 5 套')
  })

  it('starts again from the first page when the filters change, and sends them in the query', async () => {
    await open([
      { items: [makeHouse({ id: 1, code: 'H-1' }), makeHouse({ id: 2, code: 'H-2' })], next_after: 2 },
      { items: [makeHouse({ id: 9, code: 'H-9', usage: 'rented' })] },
    ])
    type('house-filter-region', ' 990101 ')
    const usage = wrapper.findAllComponents(ElSelect).find((c) => c.attributes('data-testid') === 'house-filter-usage')!
    usage.vm.$emit('update:modelValue', 'rented')
    await settle()
    $('house-filters')!.dispatchEvent(new Event('submit'))
    await settle()

    expect(urls[1]).toBe('/api/v1/houses?region=990101&usage=rented&limit=2')
    expect(codes()).toEqual(['H-9'])
    expect(document.body.querySelector('[data-testid="house-table"] tbody')?.textContent).toContain('出租')
    expect($('houses-more')).toBeNull()
  })

  it('takes a next page that turns out empty as the end', async () => {
    await open([{ items: [makeHouse({ id: 1, code: 'H-1' }), makeHouse({ id: 2, code: 'H-2' })], next_after: 2 }, { items: [] }])
    $('houses-more')!.click()
    await settle()
    expect(codes()).toEqual(['H-1', 'H-2'])
    expect($('houses-more')).toBeNull()
  })

  it('shows the reason for a region it cannot look in next to the filter', async () => {
    await open([
      { items: [] },
      problemResponse(400, { code: 'invalid', detail: 'invalid input', errors: [{ field: 'region', reason: 'region 990199 not found' }] }),
    ])
    type('house-filter-region', '990199')
    $('house-filters')!.dispatchEvent(new Event('submit'))
    await settle()
    expect($('houses-error')?.textContent).toContain('输入有误')
    await vi.waitFor(() =>
      expect($('house-filter-region')?.closest('.el-form-item')?.textContent).toContain('region 990199 not found'),
    )
  })

  it.each([
    ['?region=230602001&usage=rented', '/api/v1/houses?region=230602001&usage=rented&limit=2', '230602001', 'rented'],
    ['?usage=vacant', '/api/v1/houses?usage=vacant&limit=2', '', 'vacant'],
    ['?region=230602&region=990101', '/api/v1/houses?region=230602&limit=2', '230602', ''],
  ])('opens filtered as the link %s says, and shows the filters', async (query, want, region, usage) => {
    await open([{ items: [] }], `/registry/houses${query}`)
    expect(urls).toEqual([want])
    expect(($('house-filter-region') as HTMLInputElement).value).toBe(region)
    const select = wrapper.findAllComponents(ElSelect).find((c) => c.attributes('data-testid') === 'house-filter-usage')!
    expect(select.props('modelValue')).toBe(usage)
  })

  it('writes the filters searched by to the URL, and follows the URL back', async () => {
    await open([{ items: [] }])
    type('house-filter-region', '230602001')
    const usage = wrapper.findAllComponents(ElSelect).find((c) => c.attributes('data-testid') === 'house-filter-usage')!
    usage.vm.$emit('update:modelValue', 'vacant')
    await settle()
    $('house-filters')!.dispatchEvent(new Event('submit'))
    await settle()
    expect(router.currentRoute.value.fullPath).toBe('/registry/houses?region=230602001&usage=vacant')
    expect(urls).toEqual(['/api/v1/houses?limit=2', '/api/v1/houses?region=230602001&usage=vacant&limit=2'])

    await router.push('/registry/houses?usage=rented')
    await settle()
    expect(urls[2]).toBe('/api/v1/houses?usage=rented&limit=2')
    expect(($('house-filter-region') as HTMLInputElement).value).toBe('')
    router.back()
    await vi.waitFor(() => expect(urls[3]).toBe('/api/v1/houses?region=230602001&usage=vacant&limit=2'))
    expect(urls).toHaveLength(4)
  })
})
