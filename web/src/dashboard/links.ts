// Every figure on a panel leads to the list behind it: event figures to the
// events workbench with the matching queue and filters, people and house
// figures to the registry's lists, workforce figures to the workforce pages.
// A figure links only when the viewer's role may open that list.
import type { LocationQueryRaw, RouteLocationRaw, Router } from 'vue-router'
import type { EventQueue } from '../api/events'
import type { Me } from '../api/types'
import { mayOpen } from '../router/guard'

/** The list a figure stands for. */
export type FigureTarget =
  | { list: 'events'; region?: string; queue?: EventQueue; category?: string }
  | { list: 'persons'; region?: string; tag?: string; residence_type?: string; age_min?: number; age_max?: number }
  | { list: 'houses'; region?: string; usage?: string }
  | { list: 'workers'; region?: string; grid?: string }
  // show brings the staffing page's list of grids without a worker, or of attendance by worker, into view.
  | { list: 'staffing'; region?: string; show?: 'unstaffed' | 'attendance' }
  | { list: 'event'; id: number }

const ROUTE_OF = {
  events: 'events-workbench',
  persons: 'registry-persons',
  houses: 'registry-houses',
  workers: 'workforce-workers',
  staffing: 'workforce-staffing',
} as const

/** The workbench queue holding open events in a state. */
const QUEUE_OF_STATE: Record<string, EventQueue> = {
  reported: 'to_register',
  registered: 'to_dispatch',
  dispatched: 'to_accept',
  handling: 'handling',
  handled: 'to_verify',
  parked: 'parked',
  closed: 'closed',
}

/** The queue behind an events figure (a measure, a state or a colour); none for figures over every queue. */
export function queueFor(figure: string): EventQueue | undefined {
  switch (figure) {
    case 'overdue':
    case 'red':
      return 'overdue'
    case 'supervised':
      return 'supervised'
    case 'closed':
    case 'closed_on_time':
      return 'closed'
    case 'parked':
      return 'parked'
    default:
      return QUEUE_OF_STATE[figure]
  }
}

/** Age bands of the people panel as the registry's age range ("80+" has no top). */
export function ageRange(band: string): { age_min?: number; age_max?: number } {
  const m = /^(\d+)(?:-(\d+)|\+)$/.exec(band)
  if (!m) return {}
  return m[2] === undefined ? { age_min: Number(m[1]) } : { age_min: Number(m[1]), age_max: Number(m[2]) }
}

/** The route of a figure's list; empty filters are left out of the query. */
export function figureLocation(target: FigureTarget): RouteLocationRaw {
  if (target.list === 'event') return { name: 'event', params: { id: String(target.id) } }
  const { list, ...filters } = target
  const query: LocationQueryRaw = {}
  for (const [k, v] of Object.entries(filters)) {
    if (v !== undefined && v !== '') query[k] = String(v)
  }
  return { name: ROUTE_OF[list], query }
}

/** The route of a figure's list when the user may open it, else null (the figure shows without a link). */
export function figureLink(router: Pick<Router, 'resolve'>, user: Me | null, target: FigureTarget): RouteLocationRaw | null {
  const to = figureLocation(target)
  try {
    return mayOpen(router.resolve(to), user) ? to : null
  } catch {
    // A route this build does not have.
    return null
  }
}
