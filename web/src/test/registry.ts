// Example answers of the registry endpoints, and a router for pages that link to registry routes.
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import type { House, HouseDetail, Person, SamplingItem, SamplingRound } from '../api/types'

/** A valid 18-character ID (GB 11643 check digit) and its masked form. */
export const ID_NUMBER = '23060219560412003X'
export const MASKED_ID = '230602********003X'
export const PHONE = '13612345678'
export const MASKED_PHONE = '136****5678'

export function makePerson(overrides: Partial<Person> = {}): Person {
  return {
    id: 42,
    name: '刘凤芝',
    id_number: MASKED_ID,
    id_kind: 'resident',
    birth_date: '1956-04-12',
    age: 70,
    sex: 'male',
    phone: MASKED_PHONE,
    residence_type: 'registered',
    household_no: 'HH-0001',
    relation: 'head',
    grid_code: '990101001001001',
    houses: [{ house_code: 'H-100', relation: 'lives' }],
    tags: [{ tag: 'empty_nest', since: '2024-01-01' }],
    groups: ['aged_60_plus'],
    revealed: false,
    version: 1,
    ...overrides,
  }
}

export function makeHouse(overrides: Partial<House> = {}): House {
  return {
    id: 7,
    code: 'H-100',
    estate: '友谊小区',
    building: '3',
    unit: '2',
    room: '101',
    address: '示范市红旗区友谊路 8 号',
    location: [124.9, 46.5],
    grid_code: '990101001001001',
    usage: 'rented',
    structure: '砖混',
    floor_area_m2: 86.5,
    version: 1,
    ...overrides,
  }
}

export function makeHouseDetail(overrides: Partial<HouseDetail> = {}): HouseDetail {
  return { ...makeHouse(), occupants: [makePerson()], ...overrides }
}

const Stub = defineComponent({ render: () => h('div') })

/** A router with the registry's route names, each on a stand-in page. */
export function registryRouter(): Router {
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: Stub },
      { path: '/registry/persons', name: 'registry-persons', component: Stub },
      { path: '/registry/persons/:id', name: 'registry-person', component: Stub },
      { path: '/registry/houses', name: 'registry-houses', component: Stub },
      { path: '/registry/houses/:code', name: 'registry-house', component: Stub },
    ],
  })
}

/** Lets fetch answers, Vue updates and Element Plus' timers settle. */
export async function settle(): Promise<void> {
  const { flushPromises } = await import('@vue/test-utils')
  for (let i = 0; i < 3; i++) {
    await flushPromises()
    await new Promise((r) => setTimeout(r, 0))
  }
}

/** An element in the document (dialogs are teleported to <body>). */
export function $(testid: string): HTMLElement | null {
  return document.body.querySelector(`[data-testid="${testid}"]`)
}

/** Types into an input (or textarea) found by its test id. */
export function type(testid: string, value: string): void {
  const el = $(testid) as HTMLInputElement | HTMLTextAreaElement | null
  if (!el) throw new Error(`no element [data-testid="${testid}"]`)
  el.value = value
  el.dispatchEvent(new Event('input'))
}

/** The error Element Plus shows under the form item that holds an element. */
export function itemError(testid: string): string {
  const item = $(testid)?.closest('.el-form-item')
  return item?.querySelector('.el-form-item__error')?.textContent?.trim() ?? ''
}

export function makeRound(overrides: Partial<SamplingRound> = {}): SamplingRound {
  return {
    id: 3,
    month: '2026-06',
    region_code: '990101',
    region_name: '东区',
    per_grid: 5,
    seed: 42,
    created_at: '2026-06-01T01:00:00Z',
    sampled: 5,
    checked: 4,
    correct: 3,
    accuracy: 0.6,
    ...overrides,
  }
}

export function makeSample(overrides: Partial<SamplingItem> = {}): SamplingItem {
  return {
    id: 11,
    round_id: 3,
    month: '2026-06',
    record_type: 'person',
    record_id: 42,
    record_label: '刘凤芝',
    record_detail: MASKED_ID,
    grid_code: '990101001001001',
    grid_name: '友谊一网格',
    assigned_to: 7,
    status: 'pending',
    note: '',
    corrected: [],
    version: 1,
    ...overrides,
  }
}
