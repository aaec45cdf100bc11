import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { ElSwitch } from 'element-plus'
import type { Role } from '../../api/types'
import { i18n } from '../../i18n'
import { refreshSession } from '../../session'
import { emptyResponse, jsonResponse, makeMe, routeFetch, stubFetch, type SentCall } from '../../test/http'
import { $, makePerson, makeRound, makeSample, registryRouter, settle } from '../../test/registry'
import SamplingPage from './SamplingPage.vue'

let wrapper: VueWrapper
let calls: SentCall[]

async function open(role: Role, routes: Record<string, unknown> = {}): Promise<void> {
  stubFetch(jsonResponse(200, makeMe({ role })))
  await refreshSession()
  ;({ calls } = routeFetch({
    'GET /api/v1/sampling/rounds': [
      { items: [makeRound({ id: 3, checked: 1, correct: 1, accuracy: 0.2 })], next_before: 3 },
      { items: [makeRound({ id: 2, month: '2026-05', accuracy: null, sampled: 0, checked: 0, correct: 0 })] },
    ],
    'GET /api/v1/sampling/items': {
      items: [
        makeSample({ id: 11 }),
        makeSample({ id: 12, record_type: 'house', record_label: 'H-100', record_detail: '友谊路8号' }),
      ],
    },
    'GET /api/v1/sampling/items/11': { ...makeSample({ id: 11 }), person: makePerson() },
    'POST /api/v1/sampling/items/11': emptyResponse(204),
    'GET /api/v1/sampling/rounds/3/accuracy': {
      items: [{ code: '990101', name: '东区', level: 'county', sampled: 5, checked: 1, correct: 1, accuracy: 0.2 }],
    },
    'GET /api/v1/regions/990101001001001': { code: '990101001001001', name: '友谊一网格' },
    ...routes,
  }))
  const router = registryRouter()
  await router.push('/')
  wrapper = mount(SamplingPage, {
    props: { pageSize: 1 },
    global: { plugins: [i18n, router] },
    attachTo: document.body,
  })
  await settle()
}

const urls = (prefix: string) => calls.filter((c) => c.method === 'GET' && c.url.startsWith(prefix)).map((c) => c.url)

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

afterEach(() => {
  wrapper.unmount()
  document.body.innerHTML = ''
})

describe('SamplingPage', () => {
  it('lists the rounds with their progress and accuracy, a page at a time', async () => {
    await open('center')
    expect(urls('/api/v1/sampling/rounds')).toEqual(['/api/v1/sampling/rounds?limit=1'])
    expect($('sampling-round-3')?.textContent).toBe('东区')
    expect($('sampling-round-sampled-3')?.textContent).toBe('5')
    expect($('sampling-round-progress-3')?.textContent).toContain('1/5')
    expect($('sampling-round-accuracy-3')?.textContent).toBe('20.0%')
    $('sampling-rounds-more')!.click()
    await settle()
    expect(urls('/api/v1/sampling/rounds')[1]).toBe('/api/v1/sampling/rounds?before=3&limit=1')
    expect($('sampling-round-accuracy-2')?.textContent).toBe('—')
    expect($('sampling-rounds-more')).toBeNull()
  })

  it('lets the center start a round, and not a worker; a worker sees their own tasks first', async () => {
    await open('center')
    expect($('sampling-start')).not.toBeNull()
    expect(urls('/api/v1/sampling/items')).toEqual(['/api/v1/sampling/items?limit=1'])
    wrapper.unmount()
    await open('worker')
    expect($('sampling-start')).toBeNull()
    expect(urls('/api/v1/sampling/items')).toEqual(['/api/v1/sampling/items?mine=true&limit=1'])
    const mine = wrapper.findAllComponents(ElSwitch).find((c) => c.attributes('data-testid') === 'sampling-tasks-mine')!
    mine.vm.$emit('update:modelValue', false)
    mine.vm.$emit('change', false)
    await settle()
    expect(urls('/api/v1/sampling/items').at(-1)).toBe('/api/v1/sampling/items?limit=1')
  })

  it('lists a round’s tasks on request and all of them again when the filter is removed', async () => {
    await open('center')
    $('sampling-round-tasks-3')!.click()
    await settle()
    expect(urls('/api/v1/sampling/items').at(-1)).toBe('/api/v1/sampling/items?round=3&limit=1')
    expect($('sampling-tasks-round')?.textContent).toContain('2026-06 东区')
    ;($('sampling-tasks-round')!.querySelector('.el-tag__close') as HTMLElement).click()
    await settle()
    expect(urls('/api/v1/sampling/items').at(-1)).toBe('/api/v1/sampling/items?limit=1')
    expect($('sampling-tasks-round')).toBeNull()
  })

  it('checks a task, then reads the rounds, the tasks and the accuracy on show again', async () => {
    await open('worker')
    $('sampling-round-open-3')!.click()
    await settle()
    expect($('sampling-accuracy-rate')?.textContent).toBe('20.0%')
    expect($('sampling-task-11')?.textContent).toBe('刘凤芝')
    const before = {
      rounds: urls('/api/v1/sampling/rounds?').length,
      tasks: urls('/api/v1/sampling/items?').length,
      acc: urls('/api/v1/sampling/rounds/3/accuracy').length,
    }
    $('sampling-task-check-11')!.click()
    await settle()
    await vi.waitFor(() => expect($('sample-check-current-name')?.textContent).toBe('刘凤芝'))
    $('sample-check-submit')!.click()
    await settle()
    expect(calls.filter((c) => c.method === 'POST')).toEqual([
      { method: 'POST', url: '/api/v1/sampling/items/11', body: { result: 'correct' } },
    ])
    expect(urls('/api/v1/sampling/rounds?').length).toBe(before.rounds + 1)
    expect(urls('/api/v1/sampling/items?').length).toBe(before.tasks + 1)
    expect(urls('/api/v1/sampling/rounds/3/accuracy').length).toBe(before.acc + 1)
  })
})
