import 'fake-indexeddb/auto'
import { describe, expect, test } from 'vitest'
import type { DeviceRequest, DeviceResponse } from './device'
import { backoff, classify, retryable, SyncQueue } from './queue'
import { openStore } from './store'

let dbSeq = 0
const fresh = () => openStore(`test-${++dbSeq}`)

/** A fake server answering each request with the next scripted answer. */
function server(answers: ((req: DeviceRequest) => DeviceResponse)[]) {
  const seen: DeviceRequest[] = []
  const send = async (req: DeviceRequest) => {
    seen.push(req)
    const next = answers.shift()
    if (!next) throw new Error(`unexpected request ${req.method} ${req.path}`)
    return next(req)
  }
  return { seen, send }
}

const ok = (body: Record<string, unknown> = {}) => () => ({ status: 201, body })
const offline = () => ({ status: 0, body: {} })
const problem = (status: number, field: string) => () => ({ status, body: { errors: [{ field, reason: 'no' }] } })

describe('classify', () => {
  test.each([
    ['check_in', 201, '', 'done'],
    ['check_in', 409, 'Idempotency-Key', 'done'],
    ['check_in', 409, 'at', 'failed'],
    ['visit', 409, 'Idempotency-Key', 'done'],
    ['patrol_points', 409, 'Idempotency-Key', 'done'],
    ['patrol_finish', 409, 'patrol', 'done'],
    ['report', 200, '', 'done'],
    ['report', 409, 'Idempotency-Key', 'failed'],
    ['photo', 409, 'Idempotency-Key', 'failed'],
    ['action', 200, '', 'done'],
    ['action', 409, 'Idempotency-Key', 'failed'],
    ['action', 409, 'version', 'failed'],
    ['report', 0, '', 'retry'],
    ['report', 503, '', 'retry'],
    ['report', 429, 'Idempotency-Key', 'retry'],
    ['check_in', 401, 'Gridgov-Signature.device', 'blocked'],
    ['check_in', 400, 'lng', 'failed'],
    ['photo', 404, '', 'failed'],
  ] as const)('%s answered %i naming %s is %s', (kind, status, field, want) => {
    expect(classify(kind, { status, body: field ? { errors: [{ field, reason: 'x' }] } : {} })).toBe(want)
  })
  test('backoff doubles to five minutes', () => {
    expect([1, 2, 3, 10].map(backoff)).toEqual([5, 10, 20, 300])
  })
})

describe('the sync queue', () => {
  test('sends drafts in creation order with the key made at creation', async () => {
    const db = await fresh()
    const srv = server([ok(), ok(), ok()])
    const q = new SyncQueue({ db, send: srv.send })
    await q.add({ kind: 'check_in', key: 'k-1', body: { lng: 1, lat: 2 }, label: 'in' })
    await q.add({ kind: 'visit', key: 'k-2', body: { house_code: 'H' }, label: 'visit' })
    await q.add({ kind: 'check_out', key: 'k-3', body: { lng: 1, lat: 2 }, label: 'out' })
    await q.sync()
    expect(srv.seen.map((r) => [r.path, r.key])).toEqual([
      ['/api/v1/workforce/attendance/check-in', 'k-1'],
      ['/api/v1/workforce/device/visits', 'k-2'],
      ['/api/v1/workforce/attendance/check-out', 'k-3'],
    ])
    expect((await q.state()).pending).toBe(0)
  })

  test('stops at a network failure, keeps order and retries with the same key and bytes after the backoff', async () => {
    const db = await fresh()
    let t = 1_000_000
    const srv = server([offline, ok(), ok()])
    const q = new SyncQueue({ db, send: srv.send, now: () => t })
    await q.add({ kind: 'check_in', key: 'k-1', body: { lng: 1 }, label: 'in' })
    await q.add({ kind: 'check_out', key: 'k-2', body: { lng: 1 }, label: 'out' })
    await q.sync()
    expect(srv.seen).toHaveLength(1)
    const st = await q.state()
    expect(st.pending).toBe(2)
    expect(st.lastError).toBe('offline')
    await q.sync() // within the backoff: nothing is sent
    expect(srv.seen).toHaveLength(1)
    t += 5_000
    await q.sync()
    expect(srv.seen.map((r) => r.key)).toEqual(['k-1', 'k-1', 'k-2'])
    expect(new TextDecoder().decode(srv.seen[0].body)).toBe(new TextDecoder().decode(srv.seen[1].body))
    expect((await q.state()).pending).toBe(0)
  })

  test('a used key answered 409 counts as synced; a refusal fails that draft only', async () => {
    const db = await fresh()
    const srv = server([problem(409, 'Idempotency-Key'), problem(400, 'lng'), ok()])
    const q = new SyncQueue({ db, send: srv.send })
    await q.add({ kind: 'check_in', key: 'k-1', body: {}, label: 'in' })
    await q.add({ kind: 'visit', key: 'k-2', body: {}, label: 'visit' })
    await q.add({ kind: 'check_out', key: 'k-3', body: {}, label: 'out' })
    await q.sync()
    const drafts = await q.all()
    expect(drafts.map((d) => d.status)).toEqual(['synced', 'failed', 'synced'])
    expect(drafts[1].lastError).toBe('lng: no')
    // Kept whole, for the screens to say in the worker's language.
    expect(drafts[1].problem).toEqual({ status: 400, code: '', errors: [{ field: 'lng', reason: 'no' }], detail: '' })
    expect((await q.state()).lastProblem).toBeUndefined() // the check-out after it went through
  })

  test('a report is filed once, then its photos go to its event with their own keys, across a reload', async () => {
    const db = await fresh()
    const photo = new Uint8Array([0xff, 0xd8, 0xff]).buffer
    const srv = server([
      ok({ event: { id: 42, code: 'E42' } }),
      offline, // the photo fails: the event must not be filed again
    ])
    const q = new SyncQueue({ db, send: srv.send })
    await q.add({
      kind: 'report',
      key: 'r-1',
      body: { title: 't', lng: 124.9, lat: 46.6 },
      label: 'r',
      photos: [{ key: 'p-1', name: 'a.jpg', type: 'image/jpeg', bytes: photo, done: false }],
    })
    await q.sync()
    // After a reload: a new queue over the same database.
    const srv2 = server([() => ({ status: 200, body: { replayed: true } })])
    const q2 = new SyncQueue({ db, send: srv2.send })
    await q2.sync(true)
    expect(srv.seen.map((r) => r.path)).toEqual(['/api/v1/workforce/device/events', expect.stringContaining('/events/42/photos?')])
    expect(srv2.seen).toHaveLength(1)
    expect(srv2.seen[0].path).toBe('/api/v1/workforce/device/events/42/photos?name=a.jpg&lng=124.9&lat=46.6')
    expect(srv2.seen[0].key).toBe('p-1')
    expect(srv2.seen[0].contentType).toBe('image/jpeg')
    const [d] = await q2.all()
    expect(d.status).toBe('synced')
    expect(d.eventCode).toBe('E42')
  })

  test('a report whose key was used for other content fails instead of counting as synced', async () => {
    const db = await fresh()
    const q = new SyncQueue({ db, send: server([problem(409, 'Idempotency-Key')]).send })
    await q.add({ kind: 'report', key: 'r-1', body: {}, label: 'r' })
    await q.sync()
    expect((await q.all())[0].status).toBe('failed')
  })

  test('patrol points go to the patrol started, found on the server when the start was a replay', async () => {
    const db = await fresh()
    const srv = server([problem(409, 'Idempotency-Key'), ok({ accepted: 3 }), problem(409, 'patrol')])
    const q = new SyncQueue({ db, send: srv.send, openPatrol: async () => 7 })
    await q.add({ kind: 'patrol_start', key: 'ps', body: {}, label: 's', patrolRef: 'p1' })
    await q.add({ kind: 'patrol_points', key: 'pb', body: { seq: 1 }, label: 'b', patrolRef: 'p1' })
    await q.add({ kind: 'patrol_finish', key: 'pf', body: {}, label: 'f', patrolRef: 'p1' })
    await q.sync()
    expect(srv.seen.map((r) => r.path)).toEqual([
      '/api/v1/workforce/device/patrols',
      '/api/v1/workforce/device/patrols/7/points',
      '/api/v1/workforce/device/patrols/7/finish',
    ])
    expect(srv.seen[2].body).toBeUndefined()
    expect((await q.all()).every((d) => d.status === 'synced')).toBe(true)
  })

  test('a visit sends its photos first, then names them, and resends the same bytes after a failure', async () => {
    const db = await fresh()
    const photo = new Uint8Array([0xff, 0xd8, 0xff]).buffer
    const srv = server([
      ok({ photo: { id: '17' } }),
      () => ({ status: 200, body: { photo: { id: '18' }, replayed: true } }),
      offline, // the visit itself fails: its photos must not be sent again
    ])
    const q = new SyncQueue({ db, send: srv.send })
    await q.add({
      kind: 'visit',
      key: 'v-1',
      body: { house_code: 'H-1', purpose: 'other', lng: 124.9, lat: 46.6 },
      label: 'H-1',
      photos: [
        { key: 'vp-1', name: 'a.jpg', type: 'image/jpeg', bytes: photo, done: false },
        { key: 'vp-2', name: 'b.jpg', type: 'image/jpeg', bytes: photo, done: false },
      ],
    })
    await q.sync()
    // After a reload: a new queue over the same database.
    const srv2 = server([ok({ id: 5 })])
    const q3 = new SyncQueue({ db, send: srv2.send })
    await q3.sync(true)
    expect(srv.seen.map((r) => [r.path, r.key])).toEqual([
      ['/api/v1/workforce/device/photos?name=a.jpg&lng=124.9&lat=46.6', 'vp-1'],
      ['/api/v1/workforce/device/photos?name=b.jpg&lng=124.9&lat=46.6', 'vp-2'],
      ['/api/v1/workforce/device/visits', 'v-1'],
    ])
    expect(srv2.seen.map((r) => [r.path, r.key])).toEqual([['/api/v1/workforce/device/visits', 'v-1']])
    const first = new TextDecoder().decode(srv.seen[2].body)
    expect(JSON.parse(first).photos).toEqual(['17', '18'])
    expect(new TextDecoder().decode(srv2.seen[0].body)).toBe(first)
    expect((await q3.all())[0].status).toBe('synced')
  })

  test('an action is taken once, then its photos go on the action it made', async () => {
    const db = await fresh()
    const photo = new Uint8Array([0xff, 0xd8, 0xff]).buffer
    const srv = server([ok({ action_id: 31, event: { id: 9 } }), offline])
    const q = new SyncQueue({ db, send: srv.send })
    await q.add({
      kind: 'action',
      key: 'a-1',
      body: { action: 'feedback', version: 3, note: '已处理' },
      label: 'fb',
      eventId: 9,
      photos: [{ key: 'ap-1', name: 'after.jpg', type: 'image/jpeg', bytes: photo, done: false }],
    })
    await q.sync()
    const srv2 = server([() => ({ status: 200, body: { replayed: true } })])
    await new SyncQueue({ db, send: srv2.send }).sync(true)
    expect(srv.seen.map((r) => [r.path, r.key])).toEqual([
      ['/api/v1/workforce/device/events/9/actions', 'a-1'],
      ['/api/v1/workforce/device/events/9/photos?action=31&name=after.jpg', 'ap-1'],
    ])
    expect(srv2.seen.map((r) => [r.path, r.key])).toEqual([['/api/v1/workforce/device/events/9/photos?action=31&name=after.jpg', 'ap-1']])
    const [d] = await q.all()
    expect(d.status).toBe('synced')
    expect(d.actionId).toBe(31)
  })

  test('an action on an event changed meanwhile fails, marked stale, and the queue goes on', async () => {
    const db = await fresh()
    const srv = server([problem(409, 'version'), ok()])
    const q = new SyncQueue({ db, send: srv.send })
    await q.add({ kind: 'action', key: 'a-1', body: { action: 'self_handle', version: 1 }, label: 'sh', eventId: 9 })
    await q.add({ kind: 'check_out', key: 'k', body: {}, label: 'out' })
    await q.sync()
    const drafts = await q.all()
    expect(drafts.map((d) => d.status)).toEqual(['failed', 'synced'])
    expect(drafts[0].stale).toBe(true)
    expect(drafts[0].lastError).toBe('version: no')
  })

  test('a refused device blocks the queue without failing the draft', async () => {
    const db = await fresh()
    const srv = server([problem(401, 'Gridgov-Signature.device')])
    const q = new SyncQueue({ db, send: srv.send })
    await q.add({ kind: 'check_in', key: 'k', body: {}, label: 'in' })
    await q.add({ kind: 'check_out', key: 'k2', body: {}, label: 'out' })
    await q.sync()
    expect(srv.seen).toHaveLength(1)
    expect((await q.all()).map((d) => d.status)).toEqual(['pending', 'pending'])
  })

  test('a draft refused as invalid is not sent again unchanged; one refused for the account may be', async () => {
    const db = await fresh()
    const srv = server([problem(400, 'points[0].at'), problem(403, ''), ok()])
    const q = new SyncQueue({ db, send: srv.send })
    await q.add({ kind: 'visit', key: 'v-1', body: {}, label: 'v' })
    await q.add({ kind: 'visit', key: 'v-2', body: {}, label: 'v' })
    await q.sync()
    const [invalid, forbidden] = await q.all()
    expect([invalid.status, invalid.refusedStatus, retryable(invalid)]).toEqual(['failed', 400, false])
    expect([forbidden.status, forbidden.refusedStatus, retryable(forbidden)]).toEqual(['failed', 403, true])
    await q.retry(invalid.id!)
    await q.retry(forbidden.id!)
    await q.sync()
    expect(srv.seen.map((r) => r.key)).toEqual(['v-1', 'v-2', 'v-2'])
    expect((await q.all()).map((d) => d.status)).toEqual(['failed', 'synced'])
    await q.discard(invalid.id!)
    expect(await q.state()).toMatchObject({ pending: 0, failed: 0 })
  })
})
