import { afterEach, describe, expect, it } from 'vitest'
import { emptyResponse, jsonResponse, problemResponse, sentRequest, stubFetch } from '../test/http'
import { ApiError, setCsrfToken } from './client'
import * as wf from './workforce'

afterEach(() => setCsrfToken(''))

describe('workforce endpoints', () => {
  it('list workers with only the filters given', async () => {
    const fetch = stubFetch(jsonResponse(200, { items: [] }), jsonResponse(200, { items: [], next_after: 9 }))
    await wf.listWorkers()
    const page = await wf.listWorkers({ region: '230602', grid: '', employment: 'part_time', active: false, after: 3, limit: 20 })
    expect(sentRequest(fetch, 0).url).toBe('/api/v1/workforce/workers')
    expect(sentRequest(fetch, 1).url).toBe('/api/v1/workforce/workers?region=230602&employment=part_time&active=false&after=3&limit=20')
    expect(page.next_after).toBe(9)
  })

  it('create, change and delete workers with the CSRF token and the version read', async () => {
    setCsrfToken('tok')
    const fetch = stubFetch(jsonResponse(201, { id: 5 }), jsonResponse(200, { id: 5 }), emptyResponse())
    const grids = [{ grid_code: '230602001001001', primary: true, grid_chief: true }]
    await wf.createWorker({ name: '李四', phone: '13812345678', employment: 'full_time', hire_date: '2025-06-03', grids })
    await wf.updateWorker(5, { version: 2, active: false })
    await wf.deleteWorker(5, 3)
    expect(sentRequest(fetch, 0)).toMatchObject({
      method: 'POST',
      url: '/api/v1/workforce/workers',
      body: { name: '李四', phone: '13812345678', grids },
    })
    expect(sentRequest(fetch, 0).headers.get('X-CSRF-Token')).toBe('tok')
    expect(sentRequest(fetch, 1)).toMatchObject({ method: 'PATCH', url: '/api/v1/workforce/workers/5', body: { version: 2, active: false } })
    expect(sentRequest(fetch, 2)).toMatchObject({ method: 'DELETE', url: '/api/v1/workforce/workers/5?version=3' })
  })

  it('issue enrolment codes and decide re-binding requests', async () => {
    const enrolment = { code: 'K7Q2M9', worker_id: 5, purpose: 'bind', expires_at: '2026-06-03T01:15:00Z' }
    const fetch = stubFetch(
      jsonResponse(201, enrolment),
      jsonResponse(200, { items: null }),
      jsonResponse(200, { request: { id: 2 }, enrolment }),
      jsonResponse(200, { request: { id: 3 } }),
      jsonResponse(201, { id: 4 }),
    )
    expect(await wf.issueEnrolment(5)).toEqual(enrolment)
    expect(await wf.listRebinds({ status: 'pending' })).toEqual([])
    expect((await wf.decideRebind(2, true, '已核实')).enrolment?.code).toBe('K7Q2M9')
    await wf.decideRebind(3, false)
    await wf.requestRebind(5, '手机丢失')
    expect(sentRequest(fetch, 0)).toMatchObject({ method: 'POST', url: '/api/v1/workforce/workers/5/enrolments', body: undefined })
    expect(sentRequest(fetch, 1).url).toBe('/api/v1/workforce/rebind-requests?status=pending')
    expect(sentRequest(fetch, 2)).toMatchObject({ url: '/api/v1/workforce/rebind-requests/2/approve', body: { note: '已核实' } })
    expect(sentRequest(fetch, 3)).toMatchObject({ url: '/api/v1/workforce/rebind-requests/3/reject', body: { note: '' } })
    expect(sentRequest(fetch, 4)).toMatchObject({ url: '/api/v1/workforce/workers/5/rebind-requests', body: { reason: '手机丢失' } })
  })

  it('keep a grid team', async () => {
    const fetch = stubFetch(
      jsonResponse(200, { grid_code: 'G/1', workers: [], members: [], complete: false, missing: ['worker', 'police'] }),
      jsonResponse(201, { id: 8 }),
      jsonResponse(200, { id: 8 }),
      emptyResponse(),
    )
    expect((await wf.getTeam('G/1')).missing).toEqual(['worker', 'police'])
    await wf.addTeamMember('G/1', { role: 'police', name: '王警官', phone: '13900001111' })
    await wf.updateTeamMember(8, { version: 1, role: 'mediator', name: '王' })
    await wf.removeTeamMember(8, 2)
    expect(sentRequest(fetch, 0).url).toBe('/api/v1/workforce/teams/G%2F1')
    expect(sentRequest(fetch, 1)).toMatchObject({ method: 'POST', url: '/api/v1/workforce/teams/G%2F1/members', body: { role: 'police' } })
    expect(sentRequest(fetch, 2)).toMatchObject({ method: 'PATCH', url: '/api/v1/workforce/team-members/8', body: { version: 1 } })
    expect(sentRequest(fetch, 3)).toMatchObject({ method: 'DELETE', url: '/api/v1/workforce/team-members/8?version=2' })
  })

  it('read staffing, attendance, unstaffed grids and leave', async () => {
    const fetch = stubFetch(
      jsonResponse(200, { region: '230602' }),
      jsonResponse(200, { region: '230602' }),
      jsonResponse(200, { items: [] }),
      jsonResponse(200, { items: [{ code: 'G2', name: '二网格' }], next_after: 'G2' }),
      jsonResponse(200, { days: [] }),
      jsonResponse(200, { items: null }),
      jsonResponse(201, { id: 1 }),
      jsonResponse(200, { id: 1, cancelled: true }),
    )
    await wf.staffing()
    await wf.attendanceRates('230602001', { month: '2026-06' })
    await wf.attendanceByWorker({ region: '230602', limit: 1, date: '2026-06-03' })
    expect((await wf.unstaffedGrids({ region: '230602', after: 'G1', limit: 50 })).next_after).toBe('G2')
    await wf.workerAttendance(5, { month: '2026-05' })
    expect(await wf.listLeave(5)).toEqual([])
    await wf.addLeave(5, { kind: 'annual', from: '2026-06-04' })
    await wf.cancelLeave(1)
    expect(fetch.mock.calls.map((_, i) => `${sentRequest(fetch, i).method} ${sentRequest(fetch, i).url}`)).toEqual([
      'GET /api/v1/workforce/staffing',
      'GET /api/v1/workforce/attendance?region=230602001&month=2026-06',
      'GET /api/v1/workforce/attendance/workers?region=230602&limit=1&date=2026-06-03',
      'GET /api/v1/workforce/staffing/unstaffed?region=230602&after=G1&limit=50',
      'GET /api/v1/workforce/workers/5/attendance?month=2026-05',
      'GET /api/v1/workforce/workers/5/leave',
      'POST /api/v1/workforce/workers/5/leave',
      'DELETE /api/v1/workforce/leave/1',
    ])
  })

  it('raise a stale version as a conflict naming the field', async () => {
    stubFetch(problemResponse(409, { title: 'Conflict', code: 'conflict', errors: [{ field: 'version', reason: 'stale' }] }))
    const err = await wf.updateWorker(5, { version: 1, name: '李四一' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).status).toBe(409)
    expect((err as ApiError).fieldReason('version')).toBe('stale')
  })

  it('format rates as percentages', () => {
    expect(wf.formatRate(0.5)).toBe('50.0%')
    expect(wf.formatRate(1)).toBe('100.0%')
    expect(wf.formatRate(null)).toBe('—')
  })
})
