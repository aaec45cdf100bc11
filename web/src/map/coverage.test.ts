import { describe, expect, it } from 'vitest'
import { makeReport } from '../test/map'
import { findingGeometries, parentsWorstFirst } from './coverage'

describe('findingGeometries', () => {
  it('lists the gaps, overlaps and parts outside the parent of every parent', () => {
    const found = findingGeometries(makeReport())
    expect(found.map((f) => [f.finding, f.parent])).toEqual([
      ['gap', '990101'],
      ['overlap', '990101'],
      ['outside', '990101'],
    ])
    expect(found[0]!.geometry.type).toBe('Polygon')
  })

  it('skips findings without a geometry, and a missing report', () => {
    const report = makeReport()
    report.parents[1]!.overlaps[0]!.geometry = null
    report.parents[1]!.outside = []
    expect(findingGeometries(report).map((f) => f.finding)).toEqual(['gap'])
    expect(findingGeometries(null)).toEqual([])
  })
})

describe('parentsWorstFirst', () => {
  it('puts parents with gaps, overlaps or spills first', () => {
    expect(parentsWorstFirst(makeReport()).map((p) => p.code)).toEqual(['990101', '990100'])
  })
})
