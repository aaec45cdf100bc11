// Example answers of the event endpoints, for the tests of these pages.
import type { EventDetail, EventRecord, HistoryEntry } from '../../api/events'

export function makeEvent(overrides: Partial<EventRecord> = {}): EventRecord {
  return {
    id: 11,
    code: '2026060199010100001',
    source: 'hotline',
    category_code: 'city_appearance.exposed_garbage',
    title: '路口垃圾堆积',
    description: '幸福路与友谊路路口垃圾堆积三天',
    urgency: 'normal',
    state: 'reported',
    level: 'township',
    region_code: '990101001',
    grid_code: '990101001001001',
    location: [124.805, 46.105],
    address: '幸福路 1 号',
    reporter_name: '王先生',
    reporter_phone: '136****5678',
    self_handled: false,
    supervised: false,
    step: 'register',
    step_started_at: '2026-06-01T01:00:00Z',
    step_due: '2026-06-01T01:30:00Z',
    warning: '',
    rework_count: 0,
    extended: false,
    created_at: '2026-06-01T01:00:00Z',
    updated_at: '2026-06-01T01:00:00Z',
    version: 1,
    actions: null,
    ...overrides,
  }
}

export function makeEntry(overrides: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    id: 1,
    action: 'report',
    actor_name: '测试管理员',
    role: 'center',
    from: 'reported',
    to: 'reported',
    at: '2026-06-01T01:00:00Z',
    ...overrides,
  }
}

export function makeDetail(overrides: Partial<EventDetail> = {}): EventDetail {
  return {
    ...makeEvent({ actions: ['comment', 'escalate', 'merge', 'register', 'reject', 'void'] }),
    history: [makeEntry()],
    ...overrides,
  }
}
