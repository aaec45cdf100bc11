// Example answers of the region and grid map endpoints, for the tests.
import type { CoverageReport, GeoJSONFeature, LocateResult, Region, RegionDetail, RegionRef } from '../api/types'

export const CHAIN: RegionRef[] = [
  { code: '990100', name: '示范市', level: 'city' },
  { code: '990101', name: '红旗区', level: 'county' },
  { code: '990101001', name: '东风街道', level: 'township' },
  { code: '990101001001', name: '幸福社区', level: 'village' },
  { code: '990101001001001', name: '幸福社区第1网格', level: 'grid' },
]

export function makeRegion(overrides: Partial<Region> = {}): Region {
  return {
    code: '990100',
    name: '示范市',
    level: 'city',
    path: '990100',
    valid_from: '2026-01-01T00:00:00Z',
    version: 1,
    ...overrides,
  }
}

/** A comprehensive grid at the bottom of CHAIN. */
export function makeGridDetail(overrides: Partial<RegionDetail> = {}): RegionDetail {
  return {
    ...makeRegion({
      code: '990101001001001',
      name: '幸福社区第1网格',
      level: 'grid',
      parent_code: '990101001001',
      path: '990100.990101.990101001.990101001001.990101001001001',
      kind: 'comprehensive',
    }),
    bbox: [124.8, 46.1, 124.81, 46.11],
    area_m2: 1234567.8,
    chain: CHAIN,
    overlays: [
      { layer: 'police', code: 'JW-001', name: '东风警务网格', share: 0.6 },
      { layer: 'mediation', code: 'TJ-007', name: '东风调解网格', share: 0.999961 },
    ],
    stations: [
      { code: 'ZD-1', name: '幸福驿站', address: '幸福路 1 号', opening_hours: '08:30-17:30', lng: 124.805, lat: 46.105 },
    ],
    ...overrides,
  }
}

export function makeCityDetail(overrides: Partial<RegionDetail> = {}): RegionDetail {
  return {
    ...makeRegion(),
    bbox: [124.7, 46.0, 125.1, 46.4],
    area_m2: 1.2e9,
    chain: CHAIN.slice(0, 1),
    overlays: [],
    stations: [],
    ...overrides,
  }
}

export function makeOutline(code = '990101001001001'): GeoJSONFeature {
  return {
    type: 'Feature',
    geometry: {
      type: 'MultiPolygon',
      coordinates: [
        [
          [
            [124.8, 46.1],
            [124.81, 46.1],
            [124.81, 46.11],
            [124.8, 46.1],
          ],
        ],
      ],
    },
    properties: { code },
  }
}

export function makeLocate(overrides: Partial<LocateResult> = {}): LocateResult {
  return {
    point: { lng: 124.805, lat: 46.105 },
    chain: CHAIN,
    grid: { code: '990101001001001', name: '幸福社区第1网格', kind: 'exclusive', subtype: 'school' },
    overlays: { police: [{ code: 'JW-001', name: '东风警务网格' }], mediation: [] },
    nearest_station: {
      code: 'ZD-1',
      name: '幸福驿站',
      address: '幸福路 1 号',
      opening_hours: '08:30-17:30',
      distance_m: 1234.5,
      lng: 124.806,
      lat: 46.106,
    },
    ...overrides,
  }
}

const square = { type: 'Polygon', coordinates: [[[124.8, 46.1], [124.9, 46.1], [124.9, 46.2], [124.8, 46.1]]] }

export function makeReport(): CoverageReport {
  return {
    code: '990100',
    name: '示范市',
    parents: [
      {
        code: '990100',
        name: '示范市',
        level: 'city',
        area_m2: 1_200_000_000,
        covered_share: 1,
        gap_area_m2: 0,
        overlap_area_m2: 0,
        gaps: null,
        overlaps: [],
        outside: [],
      },
      {
        code: '990101',
        name: '红旗区',
        level: 'county',
        area_m2: 300_000_000,
        covered_share: 0.99996,
        gap_area_m2: 12345.6,
        overlap_area_m2: 2500,
        gaps: square,
        overlaps: [{ a: '990101001', b: '990101002', area_m2: 2500, geometry: square }],
        outside: [{ code: '990101003', area_m2: 10, geometry: square }],
      },
    ],
    invalid: [{ code: '990101004', problems: ['self-intersection at 124.85 46.15'] }],
    summary: {
      parents: 2,
      with_gaps: 1,
      with_overlaps: 1,
      invalid: 1,
      total_gap_area_m2: 12345.6,
      total_overlap_area_m2: 2500,
    },
  }
}
