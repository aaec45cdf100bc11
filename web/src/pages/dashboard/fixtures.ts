// Example answers of the dashboard endpoints, for the tests.
import type { EventsPanel, OperationsPanel, PathStep, PeoplePanel } from '../../dashboard/api'

const CITY: PathStep = { code: '990100', name: '示范市', level: 'city' }
const COUNTY: PathStep = { code: '990101', name: '红旗区', level: 'county' }

function place(code: string): { region: PeoplePanel['region']; path: PathStep[] } {
  if (code === COUNTY.code) return { region: { ...COUNTY, parent_code: CITY.code }, path: [CITY, COUNTY] }
  return { region: CITY, path: [CITY] }
}

export function makePeople(code = '990100', persons = 1200): PeoplePanel {
  return {
    ...place(code),
    as_of: '2026-11-29T02:00:00Z',
    totals: { persons, houses: 500, grids: 12, households: 430 },
    persons_by_residence_type: { registered: 900, resident: 200, floating: 90, foreign: 10 },
    persons_by_age_band: { '0-17': 200, '18-34': 300, '35-59': 400, '60-79': 250, '80+': 50 },
    persons_by_tag: { elderly_alone: 17, disabled: 5 },
    houses_by_usage: { self_occupied: 400, rented: 60, vacant: 40 },
    sampling: { month: '2026-11', sampled: 40, correct: 38, accuracy: 0.95 },
    trend: [
      { month: '2026-10', persons: 1190, houses: 498 },
      { month: '2026-11', persons, houses: 500 },
    ],
    children:
      code === '990100'
        ? [{ code: COUNTY.code, name: COUNTY.name, level: 'county', measures: { persons: 1200, houses: 500 } }]
        : [{ code: '990101001', name: '东风街道', level: 'township', measures: { persons: 1200, houses: 500 } }],
  }
}

export function makeEvents(code = '990100', closed = 7): EventsPanel {
  const totals = { reported: 20, closed, overdue: 2, supervised: 1 }
  const rates = { closure: 0.7, on_time_closure: 0.6, satisfaction: null }
  return {
    ...place(code),
    as_of: '2026-11-29T02:00:00Z',
    from: '2026-11-01',
    to: '2026-11-29',
    totals,
    rates,
    previous: { from: '2026-10-04', to: '2026-10-31', totals: { reported: 10, closed: 5, overdue: 2, supervised: 0 }, rates },
    year_ago: { from: '2025-11-01', to: '2025-11-29', totals, rates },
    by_source: { resident: 5, worker: 10, hotline: 5 },
    by_day: [{ date: '2026-11-28', reported: 3, closed: 1 }],
    top_categories: [{ code: 'city_appearance', name: '市容环境', name_en: 'City appearance', reported: 9 }],
    open_by_state: { registered: 3, handling: 4 },
    open_by_colour: { green: 5, yellow: 1, red: 1 },
    slowest_departments: [],
    overdue: [{ id: 9, code: '2026112899010100001', title: '井盖缺失', state: 'handling', colour: 'red', grid_code: '990101001001001', deadline: null }],
    supervised: [],
    hotspots: [{ grid_code: '990101001001001', name: '第1网格', lng: 124.8, lat: 46.1, count: 3 }],
    children: [{ code: COUNTY.code, name: COUNTY.name, level: 'county', measures: { reported: 20, closed } }],
  }
}

export function makeOperations(code = '990100'): OperationsPanel {
  return {
    ...place(code),
    as_of: '2026-11-29T02:00:00Z',
    workers: { total: 13, full_time: 12, part_time: 1, police: 3, team_members: 40, online_now: 9 },
    attendance_today: { scheduled: 12, checked_in: 11, rate: 11 / 12 },
    patrols_today: { count: 8, distance_m: 12400, workers: 7 },
    visits: { today: 4, month: 80 },
    worker_reports: { today: 2, month: 30 },
    staffing: { grids: 12, workers: 13, staffing_rate: 13 / 12, full_time_rate: 1, grids_without_worker: 0 },
    idle_grids: { days: 7, count: 1, items: [{ code: '990101001001001', name: '友谊一网格', last_activity: null }] },
    ranking: { month: '2026-11', counties: [], townships: [] },
    children: [],
  }
}
