// The region tree and the grid map: GET /api/v1/regions..., /map/config, /locate.
import { ApiError, request } from './client'
import type {
  CoverageReport,
  GeoJSONFeature,
  LocateResult,
  MapConfig,
  Region,
  RegionDetail,
  RegionImport,
  RegionImportResult,
} from './types'

const base = '/api/v1'

const seg = encodeURIComponent

/** The children of a region, or the top of the caller's scope when parent is empty. */
export async function listRegions(parent = ''): Promise<Region[]> {
  const query = parent ? `?parent=${seg(parent)}` : ''
  const { items } = await request<{ items: Region[] }>('GET', `${base}/regions${query}`)
  return items
}

/** Regions whose code or name matches q, within the caller's scope. */
export async function searchRegions(q: string): Promise<Region[]> {
  const { items } = await request<{ items: Region[] }>('GET', `${base}/regions/search?q=${seg(q)}`)
  return items
}

/**
 * A region with its chain, overlays and stations. A department user is told
 * the names only (code, name, level, path, chain): the rest reads as none.
 */
export async function getRegion(code: string): Promise<RegionDetail> {
  const r = await request<RegionDetail>('GET', `${base}/regions/${seg(code)}`)
  return { ...r, chain: r.chain ?? [], overlays: r.overlays ?? [], stations: r.stations ?? [] }
}

/** The region's outline as a GeoJSON Feature in WGS-84. */
export function getRegionGeometry(code: string): Promise<GeoJSONFeature> {
  return request<GeoJSONFeature>('GET', `${base}/regions/${seg(code)}/geometry`)
}

/** Whether the children of the region and of each region below it cover their parent. */
export function checkRegion(code: string): Promise<CoverageReport> {
  return request<CoverageReport>('GET', `${base}/regions/${seg(code)}/check`)
}

/** The 422 answer to an import that stored nothing still reports every feature. */
function refusedImport(err: unknown): RegionImportResult | null {
  if (!(err instanceof ApiError) || err.status !== 422 || !Array.isArray(err.body.rejected)) return null
  const count = (v: unknown) => (typeof v === 'number' ? v : 0)
  return {
    created: count(err.body.created),
    updated: count(err.body.updated),
    unchanged: count(err.body.unchanged),
    rejected: err.body.rejected as RegionImportResult['rejected'],
    stored: false,
  }
}

/**
 * Uploads a GeoJSON file of region outlines (admin only). When the server
 * refuses the whole file over some features, the result says which and
 * stored is false.
 */
export async function importRegions(input: RegionImport): Promise<RegionImportResult> {
  // The server reads the options before the file, so they go first.
  const form = new FormData()
  form.append('crs', input.crs)
  if (input.level) form.append('level', input.level)
  if (input.parent) form.append('parent', input.parent)
  form.append('partial', input.partial ? 'true' : 'false')
  form.append('file', input.file, input.fileName)
  try {
    const result = await request<RegionImportResult>('POST', `${base}/regions/import`, form)
    return { ...result, rejected: result.rejected ?? [], stored: result.stored ?? true }
  } catch (err) {
    const refused = refusedImport(err)
    if (refused) return refused
    throw err
  }
}

export function fetchMapConfig(): Promise<MapConfig> {
  return request<MapConfig>('GET', `${base}/map/config`)
}

type SentLocation = Omit<LocateResult, 'point'> & { point: LocateResult['point'] | [number, number] }

/** What lies at a WGS-84 point: the region chain, grid, overlays and nearest station. */
export async function locate(lng: number, lat: number): Promise<LocateResult> {
  const sent = await request<SentLocation>('GET', `${base}/locate?lng=${lng}&lat=${lat}`)
  const point = Array.isArray(sent.point) ? { lng: sent.point[0], lat: sent.point[1] } : sent.point
  return { ...sent, point, chain: sent.chain ?? [], overlays: sent.overlays ?? {} }
}

/**
 * The URL template of the vector tiles of some layers, in OpenLayers' {z}/{x}/{y}
 * form. The map version, when given, makes a changed map miss the browser's cache.
 */
export function tileUrlTemplate(layers: readonly string[], version?: number | string): string {
  const v = version === undefined || version === '' ? '' : `&v=${seg(String(version))}`
  return `${base}/map/tiles/{z}/{x}/{y}.mvt?layers=${layers.map(seg).join(',')}${v}`
}
