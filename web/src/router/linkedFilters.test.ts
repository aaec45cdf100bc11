import { describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { defineComponent, h } from 'vue'
import { compactFilters, readFilters, sameFilters, wholeNumber, type LinkedFilters } from './linkedFilters'

describe('linked filters', () => {
  it.each([
    ['only the names asked for', { region: '230602', name: '刘', tag: 'disabled' }, { region: '230602', tag: 'disabled' }],
    ['trimmed, empty ones left out', { region: ' 230602 ', tag: '  ' }, { region: '230602' }],
    ['the first of a repeated parameter', { region: ['230602', '990101'] }, { region: '230602' }],
    ['a parameter without a value left out', { region: null, tag: [null, 'disabled'] }, {}],
  ])('are read from a query: %s', (_, query, want) => {
    expect(readFilters(query, ['region', 'tag'])).toEqual(want)
  })

  it('are taken from a page’s state without what is empty', () => {
    expect(compactFilters({ region: ' 230602 ', tag: '', age_min: 0, age_max: Number.NaN, usage: undefined, grid: null })).toEqual({
      region: '230602',
      age_min: '0',
    })
  })

  it('compare by value whatever the order', () => {
    expect(sameFilters({ a: '1', b: '2' }, { b: '2', a: '1' })).toBe(true)
    expect(sameFilters({ a: '1' }, { a: '1', b: '2' })).toBe(false)
    expect(sameFilters({ a: '1', b: '2' }, { a: '1' })).toBe(false)
    expect(sameFilters({ a: '1' }, { a: '2' })).toBe(false)
    expect(sameFilters({}, {})).toBe(true)
  })

  it.each([
    ['0', 0],
    ['60', 60],
    ['150', 150],
    ['151', undefined],
    ['-1', undefined],
    ['6.5', undefined],
    ['1e2', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('read the whole number %j as %j (up to 150)', (raw, want) => {
    expect(wholeNumber(raw, 150)).toBe(want)
  })

  it('come back the same from a URL the router wrote', async () => {
    const Stub = defineComponent({ render: () => h('div') })
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/list', name: 'list', component: Stub }] })
    const names = ['region', 'tag', 'q']
    const samples: LinkedFilters[] = [
      { region: '230602', tag: 'elderly_alone' },
      { q: '井盖 & 路灯 ?#=/' },
      { region: '230602001', q: '100%' },
      {},
    ]
    for (const filters of samples) {
      await router.push({ name: 'list', query: filters })
      const again = router.resolve(router.currentRoute.value.fullPath)
      expect(readFilters(again.query, names)).toEqual(filters)
    }
  })
})
