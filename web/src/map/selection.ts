// What the grid map page shows besides the map itself: the chosen region or
// clicked place, the outline to highlight, and the coverage check. Answers to
// older requests are dropped, so fast clicking never shows a stale region.
import { ref, shallowRef } from 'vue'
import { ApiError } from '../api/client'
import { checkRegion, getRegion, getRegionGeometry, locate } from '../api/regions'
import type { BBox, CoverageReport, GeoJSONFeature, LocateResult, RegionDetail } from '../api/types'
import { i18n } from '../i18n'
import { describeError, type ErrorText } from '../i18n/problem'
import type { MapLayerName } from './layers'

/** What the map component can do for the page. */
export interface MapControls {
  fitBbox(bbox: BBox): void
}

/** A click on the map: where, and the region drawn there if the tiles showed one. */
export interface MapPick {
  lng: number
  lat: number
  feature: { layer: MapLayerName; code: string; name: string } | null
}

export function useMapSelection(controls: () => MapControls | null | undefined) {
  const region = shallowRef<RegionDetail | null>(null)
  const place = shallowRef<LocateResult | null>(null)
  const highlight = shallowRef<GeoJSONFeature | null>(null)
  const coverage = shallowRef<CoverageReport | null>(null)
  const loading = ref(false)
  const checking = ref(false)
  const error = ref<ErrorText | null>(null)
  let selection = 0
  let check = 0

  function fail(summary: string, err: unknown): void {
    const { title, detail } = describeError(err)
    error.value = { title: summary, detail: [title, detail].filter(Boolean).join(': ') }
  }

  /** The outline of a region, or null when it has none drawn (or it cannot be had). */
  async function outline(code: string): Promise<GeoJSONFeature | null> {
    try {
      return await getRegionGeometry(code)
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) throw err
      return null
    }
  }

  /** Shows a region's details, zooms the map to it and highlights its outline. */
  async function selectRegion(code: string): Promise<RegionDetail | null> {
    const n = ++selection
    loading.value = true
    error.value = null
    const [detail, shape] = await Promise.allSettled([getRegion(code), outline(code)])
    if (n !== selection) return null
    loading.value = false
    if (detail.status === 'rejected') {
      fail(i18n.global.t('map.regionFailed'), detail.reason)
      return null
    }
    region.value = detail.value
    place.value = null
    highlight.value = shape.status === 'fulfilled' ? shape.value : null
    if (shape.status === 'rejected') fail(i18n.global.t('map.geometryFailed'), shape.reason)
    if (detail.value.bbox) controls()?.fitBbox(detail.value.bbox)
    return detail.value
  }

  /** Shows what lies at a clicked point and highlights its grid (or the region clicked). */
  async function pickPlace(pick: MapPick): Promise<LocateResult | null> {
    const n = ++selection
    loading.value = true
    error.value = null
    let found: LocateResult
    try {
      found = await locate(pick.lng, pick.lat)
    } catch (err) {
      if (n !== selection) return null
      loading.value = false
      fail(i18n.global.t('map.locateFailed'), err)
      return null
    }
    if (n !== selection) return null
    place.value = found
    region.value = null
    const code = pick.feature?.code ?? found.grid?.code ?? found.chain[found.chain.length - 1]?.code
    let shape: GeoJSONFeature | null = null
    if (code) {
      try {
        shape = await outline(code)
      } catch (err) {
        if (n === selection) fail(i18n.global.t('map.geometryFailed'), err)
      }
    }
    if (n !== selection) return found
    loading.value = false
    highlight.value = shape
    return found
  }

  /** Runs the coverage check of a region and keeps the report for the table and the map. */
  async function checkCoverage(code: string): Promise<CoverageReport | null> {
    const n = ++check
    checking.value = true
    error.value = null
    try {
      const report = await checkRegion(code)
      if (n === check) coverage.value = report
      return report
    } catch (err) {
      if (n === check) fail(i18n.global.t('coverage.failed'), err)
      return null
    } finally {
      if (n === check) checking.value = false
    }
  }

  function closeCoverage(): void {
    check++
    checking.value = false
    coverage.value = null
  }

  return { region, place, highlight, coverage, loading, checking, error, selectRegion, pickPlace, checkCoverage, closeCoverage }
}
