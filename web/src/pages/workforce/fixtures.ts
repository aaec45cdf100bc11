// Example answers of the workforce endpoints, for the tests.
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import type { Staffing, Team, Worker } from '../../api/workforce'

const Stub = defineComponent({ render: () => h('div') })

/** A router with the workforce's route names, each on a stand-in page, at path. */
export async function workforceRouter(path: string): Promise<Router> {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: Stub },
      { path: '/workforce/workers', name: 'workforce-workers', component: Stub },
      { path: '/workforce/teams', name: 'workforce-teams', component: Stub },
      { path: '/workforce/staffing', name: 'workforce-staffing', component: Stub },
    ],
  })
  await router.push(path)
  return router
}

export const GRID1 = '230602001001001'
export const GRID2 = '230602001001002'

export function makeWorker(overrides: Partial<Worker> = {}): Worker {
  return {
    id: 5,
    name: '李四',
    phone: '138****5678',
    user_id: 12,
    employment: 'full_time',
    hire_date: '2025-06-03',
    active: true,
    primary_grid: GRID1,
    grids: [{ grid_code: GRID1, grid_name: '友谊一网格', primary: true, grid_chief: true }],
    schedule: null,
    device: null,
    created_at: '2026-06-03T01:00:00Z',
    updated_at: '2026-06-03T01:00:00Z',
    version: 1,
    ...overrides,
  }
}

export function makeTeam(overrides: Partial<Team> = {}): Team {
  return {
    grid_code: GRID1,
    grid_name: '友谊一网格',
    workers: [{ worker_id: 5, name: '李四', phone: '138****5678', employment: 'full_time', grid_chief: true, primary: true }],
    members: [],
    complete: false,
    missing: ['police'],
    ...overrides,
  }
}

export function makeStaffing(overrides: Partial<Staffing> = {}): Staffing {
  return {
    region: '230602',
    name: '萨尔图区',
    level: 'county',
    grids: 2,
    staffed_grids: 1,
    unstaffed_grids: 1,
    workers: 2,
    full_time_workers: 1,
    staffing_rate: 0.5,
    full_time_rate: 0.5,
    ...overrides,
  }
}
