import { describe, expect, it } from 'vitest'
import { problemResponse, routeFetch } from '../../test/http'
import { i18n } from '../../i18n'
import { runBulk, tally } from './bulk'
import { makeEvent } from './fixtures'

describe('runBulk', () => {
  it('acts on each event in turn at its own version and keeps every failure with its reason', async () => {
    i18n.global.locale.value = 'zh-CN'
    const { calls } = routeFetch({
      'POST /api/v1/events/1/actions': makeEvent({ id: 1, state: 'dispatched', version: 3 }),
      'POST /api/v1/events/2/actions': problemResponse(409, {
        code: 'conflict',
        title: 'Conflict',
        detail: 'event B changed meanwhile (version 5, you saw 4); reload it',
        errors: [{ field: 'version', reason: 'is stale' }],
      }),
      'POST /api/v1/events/3/actions': problemResponse(400, {
        code: 'invalid',
        title: 'Bad Request',
        detail: 'invalid input',
        errors: [{ field: 'department', reason: 'no routing rule covers this category here; choose the lead department' }],
      }),
    })
    const events = [
      makeEvent({ id: 1, code: 'A', version: 2 }),
      makeEvent({ id: 2, code: 'B', version: 4 }),
      makeEvent({ id: 3, code: 'C', version: 1 }),
    ]
    const progress: number[] = []
    const out = await runBulk(events, { action: 'dispatch' }, { onProgress: (n) => progress.push(n) })

    expect(calls.map((c) => [c.url, c.body])).toEqual([
      ['/api/v1/events/1/actions', { action: 'dispatch', version: 2 }],
      ['/api/v1/events/2/actions', { action: 'dispatch', version: 4 }],
      ['/api/v1/events/3/actions', { action: 'dispatch', version: 1 }],
    ])
    expect(progress).toEqual([1, 2, 3])
    expect(out.map((o) => o.status)).toEqual(['ok', 'failed', 'failed'])
    expect(out[0]!.result?.state).toBe('dispatched')
    expect(out[1]!.conflict).toBe(true)
    expect(out[1]!.error?.detail).toContain('changed meanwhile')
    expect(out[2]!.conflict).toBe(false)
    expect(out[2]!.error?.title).toBe('输入有误')
    expect(out[2]!.error?.detail).toContain('department: no routing rule covers this category here')
    expect(tally(out)).toEqual({ ok: 1, failed: 2, skipped: 0 })
  })

  it('skips the rest once stopped', async () => {
    const { calls } = routeFetch({ 'POST /api/v1/events/1/actions': makeEvent({ id: 1, state: 'registered' }) })
    let stop = false
    const out = await runBulk([makeEvent({ id: 1 }), makeEvent({ id: 2 }), makeEvent({ id: 3 })], { action: 'register' }, {
      onProgress: () => (stop = true),
      stopped: () => stop,
    })
    expect(calls).toHaveLength(1)
    expect(out.map((o) => o.status)).toEqual(['ok', 'skipped', 'skipped'])
  })
})
