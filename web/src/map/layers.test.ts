import { describe, expect, it } from 'vitest'
import { LAYER_SPECS, MAP_LAYERS, PICK_ORDER, defaultVisibility, labelledAt, zoomForResolution } from './layers'

describe('map layers', () => {
  it('are the tile server layers, asked for from the zooms at which the server fills them', () => {
    expect(MAP_LAYERS).toEqual(['county', 'township', 'village', 'grid', 'exclusive', 'police', 'mediation', 'stations'])
    const minZooms = Object.fromEntries(MAP_LAYERS.map((n) => [n, LAYER_SPECS[n].minZoom]))
    expect(minZooms).toEqual({
      county: 0,
      township: 8,
      village: 10,
      grid: 11,
      exclusive: 11,
      police: 11,
      mediation: 11,
      stations: 12,
    })
  })

  it('are drawn each in its own way', () => {
    const looks = MAP_LAYERS.map((n) => JSON.stringify(LAYER_SPECS[n].look))
    expect(new Set(looks).size).toBe(MAP_LAYERS.length)
    expect(LAYER_SPECS.county.look.width).toBeGreaterThan(LAYER_SPECS.township.look.width)
    expect(LAYER_SPECS.township.look.width).toBeGreaterThan(LAYER_SPECS.village.look.width)
    expect(LAYER_SPECS.police.look.dash).toBeDefined()
    expect(LAYER_SPECS.mediation.look.dash).toBeDefined()
    expect(LAYER_SPECS.exclusive.look.fill).toBeDefined()
    expect(LAYER_SPECS.stations.look.radius).toBeGreaterThan(0)
  })

  it('show the regions, exclusive grids and stations at first, not the overlay networks', () => {
    expect(defaultVisibility()).toEqual({
      county: true,
      township: true,
      village: true,
      grid: true,
      exclusive: true,
      police: false,
      mediation: false,
      stations: true,
    })
  })

  it('stack the boundaries of higher levels over those of lower ones, and the overlays over both', () => {
    const z = (n: (typeof MAP_LAYERS)[number]) => LAYER_SPECS[n].zIndex
    expect(z('grid')).toBeLessThan(z('village'))
    expect(z('village')).toBeLessThan(z('township'))
    expect(z('township')).toBeLessThan(z('county'))
    expect(z('county')).toBeLessThan(z('police'))
    expect(z('police')).toBeLessThan(z('stations'))
    expect(new Set(MAP_LAYERS.map(z)).size).toBe(MAP_LAYERS.length)
  })

  it('pick the most detailed region under a click first', () => {
    expect(PICK_ORDER.slice(0, 3)).toEqual(['exclusive', 'grid', 'village'])
  })
})

describe('labels', () => {
  it('name the regions of one level at a time as the map zooms in', () => {
    const at = (zoom: number) => MAP_LAYERS.filter((n) => labelledAt(n, zoom))
    expect(at(7)).toEqual(['county'])
    expect(at(9.5)).toEqual(['township'])
    expect(at(11)).toEqual(['village'])
    expect(at(14)).toEqual(['grid', 'exclusive'])
    expect(at(16)).toEqual(['grid', 'exclusive', 'stations'])
  })

  it('know the zoom of a Web Mercator resolution', () => {
    expect(zoomForResolution(156543.03392804097)).toBeCloseTo(0)
    expect(zoomForResolution(156543.03392804097 / 2 ** 12)).toBeCloseTo(12)
  })
})
