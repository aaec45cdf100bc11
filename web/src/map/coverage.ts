// What the coverage check found, as drawable pieces.
import type { CoverageReport, GeoJSONGeometry } from '../api/types'
import type { CoverageFinding } from './layers'

export interface FindingGeometry {
  finding: CoverageFinding
  /** The parent region the finding belongs to. */
  parent: string
  geometry: GeoJSONGeometry
}

/** Gaps, overlaps and parts outside the parent, for every parent of the report that has any. */
export function findingGeometries(report: CoverageReport | null): FindingGeometry[] {
  if (!report) return []
  return report.parents.flatMap((p) => [
    ...(p.gaps ? [{ finding: 'gap' as const, parent: p.code, geometry: p.gaps }] : []),
    ...p.overlaps.flatMap((o) => (o.geometry ? [{ finding: 'overlap' as const, parent: p.code, geometry: o.geometry }] : [])),
    ...(p.outside ?? []).flatMap((o) =>
      o.geometry ? [{ finding: 'outside' as const, parent: p.code, geometry: o.geometry }] : [],
    ),
  ])
}

/** Parents that are not fully covered, or whose children overlap or spill over, first; then by code. */
export function parentsWorstFirst(report: CoverageReport): CoverageReport['parents'] {
  const trouble = (p: CoverageReport['parents'][number]) =>
    p.gap_area_m2 > 0 || p.overlap_area_m2 > 0 || (p.outside?.length ?? 0) > 0 ? 0 : 1
  return [...report.parents].sort((a, b) => trouble(a) - trouble(b) || a.code.localeCompare(b.code))
}
