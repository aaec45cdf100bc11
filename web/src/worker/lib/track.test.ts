import { describe, expect, test } from 'vitest'
import { addFix, restart, type Fix, type Run } from './track'

const fix = (at: string, lat = 46.6): Fix => ({ lng: 124.9, lat, at, accuracy_m: 5 })
const run = (startedAt: string): Run => ({ ref: 'p', startedAt, seq: 0, points: 0, distanceM: 0, buffer: [] })

describe('a patrol track', () => {
  test('leaves out a fix from before the start, such as the phone’s last cached one', () => {
    const r = run('2026-06-01T08:00:00.000Z')
    expect(addFix(r, fix('2026-06-01T07:59:58.500Z'))).toBe(false)
    expect(addFix(r, fix('2026-06-01T08:00:00.000Z'))).toBe(true)
    expect(addFix(r, fix('2026-06-01T08:00:05.000Z', 46.6001))).toBe(true)
    expect(r.buffer.map((f) => f.at)).toEqual(['2026-06-01T08:00:00.000Z', '2026-06-01T08:00:05.000Z'])
    expect(r.points).toBe(2)
    expect(Math.round(r.distanceM)).toBe(11)
  })

  test('leaves out a fix not after the one before it', () => {
    const r = run('2026-06-01T08:00:00.000Z')
    addFix(r, fix('2026-06-01T08:00:05.000Z'))
    expect(addFix(r, fix('2026-06-01T08:00:05.000Z'))).toBe(false)
    expect(addFix(r, fix('2026-06-01T08:00:04.000Z'))).toBe(false)
    expect(r.points).toBe(1)
  })

  test('takes a later start from the server and drops the buffered fixes before it', () => {
    const r = run('2026-06-01T08:00:00.000Z')
    addFix(r, fix('2026-06-01T08:00:01.000Z'))
    addFix(r, fix('2026-06-01T08:00:03.000Z', 46.6001))
    addFix(r, fix('2026-06-01T08:00:06.000Z', 46.6002))
    restart(r, '2026-06-01T08:00:02.000000Z')
    expect(r.buffer.map((f) => f.at)).toEqual(['2026-06-01T08:00:03.000Z', '2026-06-01T08:00:06.000Z'])
    expect(r.points).toBe(2)
    expect(Math.round(r.distanceM)).toBe(11)
    expect(addFix(r, fix('2026-06-01T08:00:01.500Z'))).toBe(false)
    restart(r, '2026-06-01T07:00:00Z') // an earlier one changes nothing
    restart(r, undefined)
    expect(r.startedAt).toBe('2026-06-01T08:00:02.000000Z')
  })
})
