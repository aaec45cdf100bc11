import { afterEach, describe, expect, it } from 'vitest'
import { jsonResponse, problemResponse, sentRequest, stubFetch } from '../test/http'
import { makeGridDetail, makeLocate, makeOutline, makeRegion, makeReport } from '../test/map'
import { ApiError, setCsrfToken } from './client'
import * as regions from './regions'

afterEach(() => setCsrfToken(''))

describe('region endpoints', () => {
  it('list the top of the scope, then the children of a region', async () => {
    const fetch = stubFetch(
      jsonResponse(200, { items: [makeRegion()] }),
      jsonResponse(200, { items: [makeRegion({ code: '990101', level: 'county' })] }),
    )
    expect((await regions.listRegions()).map((r) => r.code)).toEqual(['990100'])
    expect((await regions.listRegions('990100')).map((r) => r.code)).toEqual(['990101'])
    expect(sentRequest(fetch, 0).url).toBe('/api/v1/regions')
    expect(sentRequest(fetch, 1).url).toBe('/api/v1/regions?parent=990100')
    expect(sentRequest(fetch, 1).method).toBe('GET')
  })

  it('search by code or name, encoding the query', async () => {
    const fetch = stubFetch(jsonResponse(200, { items: [makeRegion()] }))
    await regions.searchRegions('幸福 & 1')
    expect(sentRequest(fetch).url).toBe(`/api/v1/regions/search?q=${encodeURIComponent('幸福 & 1')}`)
  })

  it('fetch a region, its outline and its coverage check', async () => {
    const fetch = stubFetch(
      jsonResponse(200, makeGridDetail()),
      jsonResponse(200, makeOutline()),
      jsonResponse(200, makeReport()),
    )
    expect((await regions.getRegion('990101001001001')).chain).toHaveLength(5)
    expect((await regions.getRegionGeometry('990101001001001')).type).toBe('Feature')
    expect((await regions.checkRegion('990100')).summary.parents).toBe(2)
    expect(fetch.mock.calls.map((c) => String(c[0]))).toEqual([
      '/api/v1/regions/990101001001001',
      '/api/v1/regions/990101001001001/geometry',
      '/api/v1/regions/990100/check',
    ])
  })

  it("read a department user's answer, names only, as a region without overlays or stations", async () => {
    stubFetch(
      jsonResponse(200, {
        code: '990101001',
        name: '东风街道',
        level: 'township',
        parent_code: '990101',
        path: '/990100/990101/990101001/',
        chain: [{ code: '990100', name: '示范市', level: 'city' }],
      }),
    )
    const r = await regions.getRegion('990101001')
    expect(r.name).toBe('东风街道')
    expect(r.overlays).toEqual([])
    expect(r.stations).toEqual([])
    expect(r.bbox).toBeUndefined()
  })

  it('read the map settings', async () => {
    const fetch = stubFetch(jsonResponse(200, { base_map_url: '', bbox: [124.7, 46, 125.1, 46.4], version: 3 }))
    const config = await regions.fetchMapConfig()
    expect(config.bbox).toEqual([124.7, 46, 125.1, 46.4])
    expect(sentRequest(fetch).url).toBe('/api/v1/map/config')
  })
})

describe('locate', () => {
  it('asks for a WGS-84 point and takes the point as [lng, lat] or as an object', async () => {
    const { point: _point, ...rest } = makeLocate()
    const fetch = stubFetch(
      jsonResponse(200, { ...rest, point: [124.805, 46.105] }),
      jsonResponse(200, makeLocate({ point: { lng: 1, lat: 2 } })),
    )
    const first = await regions.locate(124.805, 46.105)
    expect(sentRequest(fetch).url).toBe('/api/v1/locate?lng=124.805&lat=46.105')
    expect(first.point).toEqual({ lng: 124.805, lat: 46.105 })
    expect(first.grid?.subtype).toBe('school')
    expect((await regions.locate(1, 2)).point).toEqual({ lng: 1, lat: 2 })
  })

  it('fills in an empty chain and overlays for a point outside every region', async () => {
    stubFetch(jsonResponse(200, { point: [0, 0], chain: null, grid: null, overlays: null, nearest_station: null }))
    const result = await regions.locate(0, 0)
    expect(result.chain).toEqual([])
    expect(result.overlays).toEqual({})
  })
})

describe('importRegions', () => {
  const file = new File(['{"type":"FeatureCollection","features":[]}'], 'grids.geojson', { type: 'application/geo+json' })

  it('posts multipart with the CSRF token, options before the file, and no hand-made Content-Type', async () => {
    setCsrfToken('csrf-import')
    const fetch = stubFetch(jsonResponse(200, { created: 3, updated: 1, unchanged: 2, rejected: [], stored: true }))
    const result = await regions.importRegions({
      file,
      fileName: file.name,
      crs: 'gcj02',
      level: 'grid',
      parent: '990101001001',
      partial: true,
    })
    expect(result).toEqual({ created: 3, updated: 1, unchanged: 2, rejected: [], stored: true })

    const [url, init] = fetch.mock.calls[0]!
    expect(url).toBe('/api/v1/regions/import')
    expect(init?.method).toBe('POST')
    const headers = new Headers(init?.headers)
    expect(headers.get('X-CSRF-Token')).toBe('csrf-import')
    expect(headers.has('Content-Type')).toBe(false)
    const body = init?.body as FormData
    expect(body).toBeInstanceOf(FormData)
    expect([...body.keys()]).toEqual(['crs', 'level', 'parent', 'partial', 'file'])
    expect(body.get('crs')).toBe('gcj02')
    expect(body.get('level')).toBe('grid')
    expect(body.get('parent')).toBe('990101001001')
    expect(body.get('partial')).toBe('true')
    expect((body.get('file') as File).name).toBe('grids.geojson')
  })

  it('leaves out the optional fields and sends partial=false', async () => {
    const fetch = stubFetch(jsonResponse(200, { created: 0, updated: 0, unchanged: 5, rejected: [] }))
    const result = await regions.importRegions({ file, fileName: 'a.geojson', crs: 'wgs84', partial: false })
    expect(result.stored).toBe(true)
    const body = fetch.mock.calls[0]![1]?.body as FormData
    expect([...body.keys()]).toEqual(['crs', 'partial', 'file'])
    expect(body.get('partial')).toBe('false')
  })

  it('reports the rejected features of a file that was refused whole', async () => {
    const rejected = [{ index: 4, code: '990101001001009', reason: 'outline is not valid: self-intersection' }]
    stubFetch(jsonResponse(422, { created: 0, updated: 0, unchanged: 0, rejected, stored: false }))
    const result = await regions.importRegions({ file, fileName: 'a.geojson', crs: 'wgs84', partial: false })
    expect(result).toEqual({ created: 0, updated: 0, unchanged: 0, rejected, stored: false })
  })

  it('raises other failures as problems', async () => {
    stubFetch(
      problemResponse(400, { code: 'invalid', detail: 'invalid input', errors: [{ field: 'file', reason: 'is not GeoJSON' }] }),
    )
    const err = await regions
      .importRegions({ file, fileName: 'a.geojson', crs: 'wgs84', partial: false })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).fieldReason('file')).toBe('is not GeoJSON')
  })
})

describe('tileUrlTemplate', () => {
  it('names the layers, and the map version when there is one', () => {
    expect(regions.tileUrlTemplate(['grid'])).toBe('/api/v1/map/tiles/{z}/{x}/{y}.mvt?layers=grid')
    expect(regions.tileUrlTemplate(['county', 'township'], 7)).toBe(
      '/api/v1/map/tiles/{z}/{x}/{y}.mvt?layers=county,township&v=7',
    )
  })
})
