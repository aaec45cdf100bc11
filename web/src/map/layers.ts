// The layers of the grid map: what the tile server sends, from which zoom, and
// how each is drawn. Plain data, so that the legend, the tests and the
// OpenLayers styles (styles.ts) share it.

/** The MVT layers of GET /api/v1/map/tiles, as the layer switcher lists them. */
export const MAP_LAYERS = ['county', 'township', 'village', 'grid', 'exclusive', 'police', 'mediation', 'stations'] as const

export type MapLayerName = (typeof MAP_LAYERS)[number]

export interface LayerLook {
  stroke: string
  width: number
  /** Dash pattern in pixels, for networks laid over the grids. */
  dash?: number[]
  fill?: string
  /** Stations are points drawn as circles of this radius. */
  radius?: number
}

export interface MapLayerSpec {
  name: MapLayerName
  /**
   * Stacking on the map, higher on top: the grids' fills at the bottom, then
   * the boundaries from village up to county (so that a county line is not
   * hidden under the grid lines that run along it), the overlay networks and
   * the stations.
   */
  zIndex: number
  /** The zoom below which the server sends this layer empty, so the client does not ask. */
  minZoom: number
  /** Zooms [from, to) at which features are labelled with their names; null for never. */
  labels: [number, number] | null
  look: LayerLook
  /** Shown when the page opens. */
  visible: boolean
}

export const LAYER_SPECS: Record<MapLayerName, MapLayerSpec> = {
  county: {
    name: 'county',
    zIndex: 5,
    minZoom: 0,
    labels: [0, 9],
    look: { stroke: '#303133', width: 2.5 },
    visible: true,
  },
  township: {
    name: 'township',
    zIndex: 4,
    minZoom: 8,
    labels: [9, 11],
    look: { stroke: '#595959', width: 1.6 },
    visible: true,
  },
  village: {
    name: 'village',
    zIndex: 3,
    minZoom: 10,
    labels: [11, 13],
    look: { stroke: '#8c8c8c', width: 1 },
    visible: true,
  },
  grid: {
    name: 'grid',
    zIndex: 1,
    minZoom: 11,
    labels: [13, 99],
    look: { stroke: '#69a7ee', width: 0.8, fill: 'rgba(64, 158, 255, 0.08)' },
    visible: true,
  },
  exclusive: {
    name: 'exclusive',
    zIndex: 2,
    minZoom: 11,
    labels: [13, 99],
    look: { stroke: '#d97a00', width: 1, fill: 'rgba(250, 150, 30, 0.45)' },
    visible: true,
  },
  police: {
    name: 'police',
    zIndex: 6,
    minZoom: 11,
    labels: null,
    look: { stroke: '#1d39c4', width: 2, dash: [8, 5] },
    visible: false,
  },
  mediation: {
    name: 'mediation',
    zIndex: 7,
    minZoom: 11,
    labels: null,
    look: { stroke: '#389e0d', width: 2, dash: [2, 4] },
    visible: false,
  },
  stations: {
    name: 'stations',
    zIndex: 8,
    minZoom: 12,
    labels: [15, 99],
    look: { stroke: '#ffffff', width: 1.2, fill: '#e53935', radius: 4 },
    visible: true,
  },
}

/** Which layers are switched on; the layer switcher edits this. */
export type LayerVisibility = Record<MapLayerName, boolean>

export function defaultVisibility(): LayerVisibility {
  return Object.fromEntries(MAP_LAYERS.map((n) => [n, LAYER_SPECS[n].visible])) as LayerVisibility
}

/** The features under a click are taken from these layers, in this order. */
export const PICK_ORDER: readonly MapLayerName[] = ['exclusive', 'grid', 'village', 'township', 'county']

/** Whether a layer's features are labelled at a zoom. */
export function labelledAt(name: MapLayerName, zoom: number): boolean {
  const range = LAYER_SPECS[name].labels
  return range !== null && zoom >= range[0] && zoom < range[1]
}

/** Web Mercator resolution (m/px) at zoom 0 for 256-px tiles. */
const RESOLUTION_Z0 = 156543.03392804097

/** The zoom of a Web Mercator resolution, for 256-px tiles. */
export function zoomForResolution(resolution: number): number {
  return Math.log2(RESOLUTION_Z0 / resolution)
}

/** The deepest zoom the tile server is asked for; the map zooms further by scaling those tiles. */
export const MAX_TILE_ZOOM = 16

/** Drawing of the highlighted region and of the coverage check's findings. */
export const HIGHLIGHT_LOOK: LayerLook = { stroke: '#00a389', width: 3, fill: 'rgba(0, 163, 137, 0.10)' }

export const COVERAGE_LOOKS = {
  gap: { stroke: '#d4141c', width: 1.5, fill: 'rgba(245, 34, 45, 0.45)' },
  overlap: { stroke: '#722ed1', width: 1.5, fill: 'rgba(146, 84, 222, 0.50)' },
  outside: { stroke: '#a8071a', width: 1.5, dash: [4, 3], fill: 'rgba(250, 84, 28, 0.30)' },
} as const satisfies Record<string, LayerLook>

export type CoverageFinding = keyof typeof COVERAGE_LOOKS
