import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { setCsrfToken } from '../../api/client'
import { i18n } from '../../i18n'
import { jsonResponse, problemResponse, stubFetch } from '../../test/http'
import RegionImportDialog from './RegionImportDialog.vue'

let wrapper: VueWrapper

/** The dialog is teleported to <body>. */
function $(testid: string): HTMLElement | null {
  return document.body.querySelector(`[data-testid="${testid}"]`)
}

async function mountDialog(): Promise<void> {
  wrapper = mount(RegionImportDialog, {
    props: { modelValue: true },
    global: { plugins: [i18n] },
    attachTo: document.body,
  })
  await flushPromises()
}

async function chooseFile(name = 'grids.geojson'): Promise<File> {
  const file = new File(['{"type":"FeatureCollection","features":[]}'], name, { type: 'application/geo+json' })
  const input = $('region-import-file') as HTMLInputElement
  Object.defineProperty(input, 'files', { value: [file], configurable: true })
  input.dispatchEvent(new Event('change'))
  await flushPromises()
  return file
}

async function submit(): Promise<void> {
  $('region-import-submit')!.click()
  await flushPromises()
  await new Promise((r) => setTimeout(r, 0))
  await flushPromises()
}

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  setCsrfToken('csrf-admin')
})

afterEach(() => {
  wrapper.unmount()
  setCsrfToken('')
  document.body.innerHTML = ''
})

describe('RegionImportDialog', () => {
  it('wants a file before it sends anything', async () => {
    const fetch = stubFetch()
    await mountDialog()
    await submit()
    expect(fetch).not.toHaveBeenCalled()
    await vi.waitFor(() => expect($('region-import-dialog')?.textContent).toContain('请选择 GeoJSON 文件'))
  })

  it('uploads the file with the chosen options and shows the counts', async () => {
    const fetch = stubFetch(jsonResponse(200, { created: 12, updated: 3, unchanged: 1, rejected: [], stored: true }))
    await mountDialog()
    await chooseFile()
    expect($('region-import-file-name')?.textContent).toBe('grids.geojson')
    ;($('region-import-crs-gcj02')!.querySelector('input') as HTMLInputElement).click()
    const parent = $('region-import-parent') as HTMLInputElement
    parent.value = ' 990101 '
    parent.dispatchEvent(new Event('input'))
    ;($('region-import-partial') as HTMLElement).click()
    await flushPromises()
    await submit()

    expect(fetch).toHaveBeenCalledTimes(1)
    const [url, init] = fetch.mock.calls[0]!
    expect(url).toBe('/api/v1/regions/import')
    const headers = new Headers(init?.headers)
    expect(headers.get('X-CSRF-Token')).toBe('csrf-admin')
    expect(headers.has('Content-Type')).toBe(false)
    const body = init?.body as FormData
    expect(body.get('crs')).toBe('gcj02')
    expect(body.get('parent')).toBe('990101')
    expect(body.get('partial')).toBe('true')
    expect(body.has('level')).toBe(false)
    expect((body.get('file') as File).name).toBe('grids.geojson')

    const result = $('region-import-result')!
    expect(result.textContent).toContain('导入完成')
    expect($('region-import-created')?.textContent).toContain('12')
    expect($('region-import-updated')?.textContent).toContain('3')
    expect($('region-import-unchanged')?.textContent).toContain('1')
    expect($('region-import-rejected')).toBeNull()
    expect(wrapper.emitted('imported')).toHaveLength(1)
  })

  it('lists the rejected features of a file the server refused', async () => {
    const rejected = [
      { index: 0, code: '990101001001001', reason: 'outline is not valid: self-intersection' },
      { index: 7, code: '', reason: 'no code property' },
    ]
    stubFetch(jsonResponse(422, { created: 0, updated: 0, unchanged: 0, rejected, stored: false }))
    await mountDialog()
    await chooseFile()
    await submit()
    await new Promise((r) => setTimeout(r, 0))
    await flushPromises()

    expect($('region-import-result')?.textContent).not.toContain('导入完成')
    expect($('region-import-result')?.textContent).toContain('文件未导入')
    expect($('region-import-rejected-count')?.textContent).toContain('2')
    const table = $('region-import-rejected')!
    const cells = [...table.querySelectorAll('tbody tr')].map((tr) =>
      [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim()),
    )
    expect(cells).toEqual([
      ['0', '990101001001001', 'outline is not valid: self-intersection'],
      ['7', '', 'no code property'],
    ])
    expect(wrapper.emitted('imported')).toBeUndefined()
  })

  it('shows a refusal with the reason given for a field', async () => {
    stubFetch(
      problemResponse(400, {
        title: 'Bad Request',
        code: 'invalid',
        detail: 'invalid input',
        errors: [{ field: 'parent', reason: 'no region 990199' }],
      }),
    )
    await mountDialog()
    await chooseFile()
    await submit()
    expect($('region-import-error')?.textContent).toContain('输入有误')
    await vi.waitFor(() => expect($('region-import-dialog')?.textContent).toContain('no region 990199'))
  })
})
