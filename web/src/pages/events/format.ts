// Times and deadlines of events, as the console shows them: in the
// deployment's time zone (Asia/Shanghai), written the way the locale writes them.
import type { EventRecord } from '../../api/events'

export const TIME_ZONE = 'Asia/Shanghai'

/** "2026-06-01 09:30" (zh-CN) or "06/01/2026, 09:30" (en); "—" for none. */
export function formatTime(iso: string | null | undefined, locale: string, timeZone = TIME_ZONE): string {
  if (!iso) return '—'
  const at = new Date(iso)
  if (Number.isNaN(at.getTime())) return iso
  return new Intl.DateTimeFormat(locale, {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(at)
}

/** "124.900000, 46.500000", or '' without a location. */
export function formatPoint(p: [number, number] | { lng: number; lat: number } | null | undefined): string {
  if (!p) return ''
  const [lng, lat] = Array.isArray(p) ? p : [p.lng, p.lat]
  return `${lng.toFixed(6)}, ${lat.toFixed(6)}`
}

/** The colour of a step's deadline: none for an event no step runs for. */
export type DeadlineLook = 'none' | 'green' | 'yellow' | 'red'

/**
 * How the deadline of the step under way looks: red past it (or a red card),
 * yellow near it (or a yellow card), green before it, none when no timed
 * step runs (closed, rejected, merged, parked, void) or it has no limit.
 */
export function deadlineLook(e: Pick<EventRecord, 'warning' | 'step_due' | 'state'>): DeadlineLook {
  if (e.warning === 'red') return 'red'
  if (e.warning === 'yellow') return 'yellow'
  if (!e.step_due || ['closed', 'rejected', 'duplicate', 'voided', 'parked'].includes(e.state)) return 'none'
  return 'green'
}

/** The Element Plus tag type of a deadline look. */
export function deadlineTagType(look: DeadlineLook): 'success' | 'warning' | 'danger' | 'info' {
  return look === 'red' ? 'danger' : look === 'yellow' ? 'warning' : look === 'green' ? 'success' : 'info'
}

/** The tag type of an urgency: urgent in orange, emergency in red. */
export function urgencyTagType(urgency: string): 'info' | 'warning' | 'danger' {
  return urgency === 'emergency' ? 'danger' : urgency === 'urgent' ? 'warning' : 'info'
}

/** The tag type of a state: open ones by how far along they are. */
export function stateTagType(state: string): 'primary' | 'success' | 'warning' | 'info' | 'danger' {
  switch (state) {
    case 'reported':
    case 'registered':
      return 'warning'
    case 'dispatched':
    case 'handling':
    case 'handled':
      return 'primary'
    case 'closed':
      return 'success'
    case 'parked':
      return 'danger'
    default:
      return 'info'
  }
}
