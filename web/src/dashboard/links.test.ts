import { describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { routes } from '../router/routes'
import { makeMe } from '../test/http'
import { ageRange, figureLink, figureLocation, queueFor } from './links'

const router = createRouter({ history: createMemoryHistory(), routes })

describe('figure links', () => {
  it('lead event figures to the workbench queue with the region and category', () => {
    expect(figureLocation({ list: 'events', region: '230602', queue: 'overdue' })).toEqual({
      name: 'events-workbench',
      query: { region: '230602', queue: 'overdue' },
    })
    expect(figureLocation({ list: 'events', region: '230602', category: 'city_appearance' })).toEqual({
      name: 'events-workbench',
      query: { region: '230602', category: 'city_appearance' },
    })
    expect(router.resolve(figureLocation({ list: 'events', region: '230602', queue: 'closed' })).fullPath).toBe(
      '/events/workbench?region=230602&queue=closed',
    )
  })

  it('lead people figures to the registry with the group', () => {
    expect(figureLocation({ list: 'persons', region: '230602', tag: 'elderly_alone' })).toEqual({
      name: 'registry-persons',
      query: { region: '230602', tag: 'elderly_alone' },
    })
    expect(figureLocation({ list: 'persons', region: '230602', ...ageRange('60-79') })).toEqual({
      name: 'registry-persons',
      query: { region: '230602', age_min: '60', age_max: '79' },
    })
    expect(figureLocation({ list: 'houses', region: '230602', usage: 'rented', })).toEqual({
      name: 'registry-houses',
      query: { region: '230602', usage: 'rented' },
    })
  })

  it('lead workforce figures to the workforce pages and an event row to the event', () => {
    expect(router.resolve(figureLocation({ list: 'workers', region: '230602' })).fullPath).toBe('/workforce/workers?region=230602')
    expect(router.resolve(figureLocation({ list: 'staffing', region: '230602' })).fullPath).toBe('/workforce/staffing?region=230602')
    expect(router.resolve(figureLocation({ list: 'staffing', region: '230602', show: 'unstaffed' })).fullPath).toBe(
      '/workforce/staffing?region=230602&show=unstaffed',
    )
    expect(router.resolve(figureLocation({ list: 'workers', grid: '230602001001001' })).fullPath).toBe(
      '/workforce/workers?grid=230602001001001',
    )
    expect(router.resolve(figureLocation({ list: 'event', id: 42 })).fullPath).toBe('/events/42')
  })

  it('leave out empty filters', () => {
    expect(figureLocation({ list: 'events', region: '', queue: undefined })).toEqual({ name: 'events-workbench', query: {} })
  })

  it.each([
    ['admin', 'persons', true],
    ['center', 'persons', true],
    ['leader', 'persons', false],
    ['leader', 'events', true],
    ['leader', 'workers', true],
    ['center', 'workers', true],
  ] as const)('%s may follow a %s figure: %s', (role, list, allowed) => {
    const to = figureLink(router, makeMe({ role }), { list, region: '230602' })
    expect(to !== null).toBe(allowed)
  })

  it('give no link to nobody', () => {
    expect(figureLink(router, null, { list: 'events' })).toBeNull()
  })

  it('find the queue behind an events figure', () => {
    expect(queueFor('overdue')).toBe('overdue')
    expect(queueFor('red')).toBe('overdue')
    expect(queueFor('supervised')).toBe('supervised')
    expect(queueFor('closed')).toBe('closed')
    expect(queueFor('registered')).toBe('to_dispatch')
    expect(queueFor('handled')).toBe('to_verify')
    expect(queueFor('reported')).toBe('to_register')
    expect(queueFor('need_dispose')).toBeUndefined()
  })

  it('read age bands as ranges', () => {
    expect(ageRange('0-17')).toEqual({ age_min: 0, age_max: 17 })
    expect(ageRange('80+')).toEqual({ age_min: 80 })
    expect(ageRange('old')).toEqual({})
  })
})
