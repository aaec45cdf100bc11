// Example answers of the workforce endpoints, for the tests.
import type { Staffing, Team, Worker } from '../../api/workforce'

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
