import { beforeEach, describe, expect, it, vi } from 'vitest'
import { i18n } from '../i18n'
import { jsonResponse, problemResponse, stubFetch } from '../test/http'
import { makeCityDetail, makeGridDetail, makeLocate, makeOutline, makeReport } from '../test/map'
import { useMapSelection, type MapControls } from './selection'

function setup() {
  const controls: MapControls = { fitBbox: vi.fn() }
  return { controls, selection: useMapSelection(() => controls) }
}

/** A fetch that answers each URL from a table, after an optional delay. */
function routeFetch(routes: Record<string, () => Response>, delays: Record<string, number> = {}) {
  const mock = vi.fn<typeof fetch>(async (input) => {
    const url = String(input)
    const answer = routes[url]
    if (!answer) throw new Error(`unexpected request ${url}`)
    if (delays[url]) await new Promise((r) => setTimeout(r, delays[url]))
    return answer()
  })
  vi.stubGlobal('fetch', mock)
  return mock
}

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

describe('selectRegion', () => {
  it('shows the region, highlights its outline and zooms to it', async () => {
    const { controls, selection } = setup()
    stubFetch(jsonResponse(200, makeGridDetail()), jsonResponse(200, makeOutline()))
    await selection.selectRegion('990101001001001')
    expect(selection.region.value?.name).toBe('幸福社区第1网格')
    expect(selection.highlight.value?.type).toBe('Feature')
    expect(controls.fitBbox).toHaveBeenCalledWith([124.8, 46.1, 124.81, 46.11])
    expect(selection.place.value).toBeNull()
    expect(selection.loading.value).toBe(false)
    expect(selection.error.value).toBeNull()
  })

  it('shows a region without a drawn boundary, without zooming or highlighting', async () => {
    const { controls, selection } = setup()
    const { bbox: _bbox, area_m2: _area, ...undrawn } = makeCityDetail()
    routeFetch({
      '/api/v1/regions/990100': () => jsonResponse(200, undrawn),
      '/api/v1/regions/990100/geometry': () => problemResponse(404, { code: 'not_found' }),
    })
    await selection.selectRegion('990100')
    expect(selection.region.value?.code).toBe('990100')
    expect(selection.highlight.value).toBeNull()
    expect(controls.fitBbox).not.toHaveBeenCalled()
    expect(selection.error.value).toBeNull()
  })

  it('says so when the region cannot be loaded', async () => {
    const { selection } = setup()
    routeFetch({
      '/api/v1/regions/990199': () => problemResponse(404, { code: 'not_found', detail: 'no region 990199' }),
      '/api/v1/regions/990199/geometry': () => problemResponse(404, { code: 'not_found' }),
    })
    await selection.selectRegion('990199')
    expect(selection.region.value).toBeNull()
    expect(selection.error.value?.title).toBe('区域详情加载失败')
    expect(selection.error.value?.detail).toContain('no region 990199')
  })

  it('drops the answer to an older choice', async () => {
    const { selection } = setup()
    routeFetch(
      {
        '/api/v1/regions/990100': () => jsonResponse(200, makeCityDetail()),
        '/api/v1/regions/990100/geometry': () => jsonResponse(200, makeOutline('990100')),
        '/api/v1/regions/990101001001001': () => jsonResponse(200, makeGridDetail()),
        '/api/v1/regions/990101001001001/geometry': () => jsonResponse(200, makeOutline()),
      },
      { '/api/v1/regions/990100': 30 },
    )
    const slow = selection.selectRegion('990100')
    await selection.selectRegion('990101001001001')
    await expect(slow).resolves.toBeNull()
    expect(selection.region.value?.code).toBe('990101001001001')
    expect(selection.highlight.value?.properties?.code).toBe('990101001001001')
  })
})

describe('pickPlace', () => {
  it('looks up the point and highlights the region clicked on the map', async () => {
    const { selection, controls } = setup()
    const fetch = routeFetch({
      '/api/v1/locate?lng=124.805&lat=46.105': () => jsonResponse(200, makeLocate()),
      '/api/v1/regions/990101001001/geometry': () => jsonResponse(200, makeOutline('990101001001')),
    })
    await selection.pickPlace({
      lng: 124.805,
      lat: 46.105,
      feature: { layer: 'village', code: '990101001001', name: '幸福社区' },
    })
    expect(selection.place.value?.grid?.code).toBe('990101001001001')
    expect(selection.region.value).toBeNull()
    expect(selection.highlight.value?.properties?.code).toBe('990101001001')
    expect(fetch).toHaveBeenCalledTimes(2)
    expect(controls.fitBbox).not.toHaveBeenCalled()
  })

  it('highlights the grid the server found when the tiles showed nothing there', async () => {
    const { selection } = setup()
    routeFetch({
      '/api/v1/locate?lng=124.805&lat=46.105': () => jsonResponse(200, makeLocate()),
      '/api/v1/regions/990101001001001/geometry': () => jsonResponse(200, makeOutline()),
    })
    await selection.pickPlace({ lng: 124.805, lat: 46.105, feature: null })
    expect(selection.highlight.value?.properties?.code).toBe('990101001001001')
  })

  it('clears the highlight for a point outside every region', async () => {
    const { selection } = setup()
    selection.highlight.value = makeOutline()
    const fetch = routeFetch({
      '/api/v1/locate?lng=1&lat=2': () =>
        jsonResponse(200, makeLocate({ chain: [], grid: null, overlays: {}, nearest_station: null })),
    })
    await selection.pickPlace({ lng: 1, lat: 2, feature: null })
    expect(selection.place.value?.chain).toEqual([])
    expect(selection.highlight.value).toBeNull()
    expect(fetch).toHaveBeenCalledTimes(1)
  })

  it('says so when the lookup fails', async () => {
    const { selection } = setup()
    stubFetch(problemResponse(400, { code: 'invalid', detail: 'lat must be between -90 and 90' }))
    await selection.pickPlace({ lng: 1, lat: 100, feature: null })
    expect(selection.error.value?.title).toBe('查询该位置失败')
    expect(selection.loading.value).toBe(false)
  })
})

describe('checkCoverage', () => {
  it('keeps the report until it is closed', async () => {
    const { selection } = setup()
    stubFetch(jsonResponse(200, makeReport()))
    const pending = selection.checkCoverage('990100')
    expect(selection.checking.value).toBe(true)
    await pending
    expect(selection.checking.value).toBe(false)
    expect(selection.coverage.value?.summary.with_gaps).toBe(1)
    selection.closeCoverage()
    expect(selection.coverage.value).toBeNull()
  })

  it('says so when the check fails', async () => {
    const { selection } = setup()
    stubFetch(problemResponse(403, { code: 'forbidden' }))
    await selection.checkCoverage('990100')
    expect(selection.coverage.value).toBeNull()
    expect(selection.error.value?.title).toBe('覆盖检查失败')
    expect(selection.error.value?.detail).toBe('没有权限执行此操作')
  })
})
