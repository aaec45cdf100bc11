// Words for the codes events carry: states, actions, sources, queues, the
// capacities people act in, steps and urgencies. An unknown code shows as sent.
import { useI18n } from 'vue-i18n'
import type { EventQueue } from '../../api/events'
import type { Role } from '../../api/types'
import { queueLabelKey } from './queues'

export function useEventLabels() {
  const { t, te } = useI18n()
  const known = (prefix: string, code: string): string => (code && te(`${prefix}.${code}`) ? t(`${prefix}.${code}`) : code)
  return {
    state: (s: string): string => known('events.states', s),
    action: (a: string): string => known('events.actions', a),
    source: (s: string): string => known('events.sources', s),
    queue: (q: EventQueue, role: Role | undefined): string => t(queueLabelKey(q, role)),
    /** The capacity in which someone acted (center, department, …), or their role. */
    party: (p: string): string => (te(`events.parties.${p}`) ? t(`events.parties.${p}`) : known('roles', p)),
    level: (l: string): string => known('events.levels', l),
    step: (s: string): string => known('catalog.limits.steps', s),
    urgency: (u: string): string => known('catalog.urgencies', u),
    unit: (u: string): string => known('catalog.limits.units', u),
    rating: (r: string): string => known('events.ratings', r),
    card: (c: string): string => known('events.cards', c),
    warning: (w: string): string => t(`events.warnings.${w === 'yellow' || w === 'red' ? w : 'none'}`),
  }
}
