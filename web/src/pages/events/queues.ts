// Which work queues each role sees on the workbench, in tab order, and what
// bulk actions each queue offers.
import type { EventAction, EventQueue } from '../../api/events'
import type { Role } from '../../api/types'

const CENTER_QUEUES: readonly EventQueue[] = [
  'to_register',
  'to_dispatch',
  'to_accept',
  'handling',
  'to_verify',
  'overdue',
  'supervised',
  'parked',
  'closed',
  'mine',
]

/**
 * The queues of a role. A department sees its own events only (the server
 * filters them): to sign for, in hand, fed back, and those overdue.
 */
export function queuesFor(role: Role | undefined): readonly EventQueue[] {
  switch (role) {
    case 'admin':
    case 'center':
      return CENTER_QUEUES
    case 'department':
      return ['to_accept', 'handling', 'to_verify', 'overdue', 'closed']
    case 'worker':
      return ['to_dispatch', 'handling', 'overdue', 'mine', 'closed']
    case 'leader':
      return ['overdue', 'supervised', 'to_register', 'to_dispatch', 'handling', 'to_verify', 'closed']
    default:
      return []
  }
}

/** Queues whose count is not worth asking for: they only grow. */
export const UNCOUNTED: ReadonlySet<EventQueue> = new Set<EventQueue>(['closed'])

/** The i18n key naming a queue for a role: a department names some from its own side. */
export function queueLabelKey(queue: EventQueue, role: Role | undefined): string {
  if (role === 'department' && (queue === 'to_accept' || queue === 'handling' || queue === 'to_verify')) {
    return `events.inboxQueues.${queue}`
  }
  return `events.queues.${queue}`
}

/** The actions that may be taken for many events at once. */
export const BULK_ACTIONS = ['register', 'dispatch', 'verify', 'accept'] as const satisfies readonly EventAction[]

export type BulkAction = (typeof BULK_ACTIONS)[number]

/** The bulk actions a role is offered in a queue: the step the queue waits for (any, where states mix). */
export function bulkActionsFor(role: Role | undefined, queue: EventQueue): BulkAction[] {
  if (role === 'department') return queue === 'to_accept' ? ['accept'] : []
  if (role !== 'admin' && role !== 'center') return []
  switch (queue) {
    case 'to_register':
      return ['register']
    case 'to_dispatch':
      return ['dispatch']
    case 'to_verify':
      return ['verify']
    case 'overdue':
    case 'supervised':
    case 'mine':
      return ['register', 'dispatch', 'verify']
    default:
      return []
  }
}
