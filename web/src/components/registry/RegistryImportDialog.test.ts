import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { setAcceptLanguage, setCsrfToken } from '../../api/client'
import type { RegistryImportKind } from '../../api/types'
import { i18n } from '../../i18n'
import RegistryImportDialog from './RegistryImportDialog.vue'

/** A stand-in XMLHttpRequest the test drives by hand: progress, then the answer. */
class FakeXhr {
  static last: FakeXhr | null = null
  method = ''
  url = ''
  headers: Record<string, string> = {}
  body: FormData | null = null
  withCredentials = false
  status = 0
  statusText = ''
  responseText = ''
  responseHeaders: Record<string, string> = {}
  upload: { onprogress: ((e: ProgressEvent) => void) | null; onload: (() => void) | null } = {
    onprogress: null,
    onload: null,
  }
  onload: (() => void) | null = null
  onerror: (() => void) | null = null
  onabort: (() => void) | null = null

  constructor() {
    FakeXhr.last = this
  }
  open(method: string, url: string): void {
    this.method = method
    this.url = url
  }
  setRequestHeader(name: string, value: string): void {
    this.headers[name] = value
  }
  getResponseHeader(name: string): string | null {
    return this.responseHeaders[name] ?? null
  }
  send(body: FormData): void {
    this.body = body
  }
  progress(loaded: number, total: number): void {
    this.upload.onprogress?.({ lengthComputable: true, loaded, total } as ProgressEvent)
  }
  uploaded(): void {
    this.upload.onload?.()
  }
  respond(status: number, body: unknown, contentType = 'application/json'): void {
    this.status = status
    this.responseText = JSON.stringify(body)
    this.responseHeaders['Content-Type'] = contentType
    this.onload?.()
  }
}

let wrapper: VueWrapper

function $(testid: string): HTMLElement | null {
  return document.body.querySelector(`[data-testid="${testid}"]`)
}

function xhr(): FakeXhr {
  if (!FakeXhr.last) throw new Error('no request was sent')
  return FakeXhr.last
}

async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await flushPromises()
    await new Promise((r) => setTimeout(r, 0))
  }
}

async function mountDialog(kind: RegistryImportKind = 'persons'): Promise<void> {
  wrapper = mount(RegistryImportDialog, {
    props: { modelValue: true, kind },
    global: { plugins: [i18n] },
    attachTo: document.body,
  })
  await settle()
}

async function chooseFile(name = 'persons.csv'): Promise<File> {
  const file = new File(['name,id_number\n'], name, { type: 'text/csv' })
  const input = $('registry-import-file') as HTMLInputElement
  Object.defineProperty(input, 'files', { value: [file], configurable: true })
  input.dispatchEvent(new Event('change'))
  await settle()
  return file
}

async function submit(): Promise<void> {
  $('registry-import-submit')!.click()
  await settle()
}

const REJECTED = {
  rows: 5,
  created: 2,
  updated: 1,
  unchanged: 0,
  rejected: [
    { row: 3, column: 'id_number', value: '123', reason: 'not a valid ID number' },
    { row: 5, column: 'house_code', value: 'H-999', reason: 'house H-999 not found' },
  ],
  stored: true,
  error_report: 'rep-01',
}

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  setAcceptLanguage('zh-CN')
  setCsrfToken('csrf-import')
  FakeXhr.last = null
  vi.stubGlobal('XMLHttpRequest', FakeXhr)
})

afterEach(() => {
  wrapper.unmount()
  setCsrfToken('')
  setAcceptLanguage('')
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

describe('RegistryImportDialog', () => {
  it('links the templates of its kind', async () => {
    await mountDialog('houses')
    expect($('registry-import-template-xlsx')?.getAttribute('href')).toBe('/api/v1/registry/templates/houses?format=xlsx')
    expect($('registry-import-template-csv')?.getAttribute('href')).toBe('/api/v1/registry/templates/houses?format=csv')
  })

  it('wants a file before it sends anything', async () => {
    await mountDialog()
    await submit()
    expect(FakeXhr.last).toBeNull()
    await vi.waitFor(() => expect($('registry-import-dialog')?.textContent).toContain('请选择要导入的文件'))
  })

  it('sends encoding, all_or_nothing and the file in that order, with the CSRF token, and shows the progress', async () => {
    await mountDialog()
    const file = await chooseFile()
    ;($('registry-import-all-or-nothing') as HTMLElement).click()
    await settle()
    await submit()

    const req = xhr()
    expect(req.method).toBe('POST')
    expect(req.url).toBe('/api/v1/registry/import/persons')
    expect(req.headers['X-CSRF-Token']).toBe('csrf-import')
    // The reasons of rejected rows come back in the console's language.
    expect(req.headers['Accept-Language']).toBe('zh-CN')
    expect(Object.keys(req.headers).map((h) => h.toLowerCase())).not.toContain('content-type')
    const fields = [...req.body!.entries()]
    expect(fields.map(([k]) => k)).toEqual(['encoding', 'all_or_nothing', 'file'])
    expect(fields[0]![1]).toBe('auto')
    expect(fields[1]![1]).toBe('true')
    expect((fields[2]![1] as File).name).toBe(file.name)

    req.progress(25, 100)
    await settle()
    expect($('registry-import-progress-text')?.textContent).toContain('25%')
    req.progress(2, 3)
    await settle()
    expect($('registry-import-progress-text')?.textContent).toContain('67%')
    req.uploaded()
    await settle()
    expect($('registry-import-progress')).toBeNull()
    expect($('registry-import-processing')?.textContent).toContain('正在处理')

    req.respond(200, { rows: 3, created: 3, updated: 0, unchanged: 0, rejected: null, stored: true })
    await settle()
    expect($('registry-import-processing')).toBeNull()
    expect($('registry-import-created')?.textContent).toContain('3')
    expect($('registry-import-rejected')).toBeNull()
    expect($('registry-import-error-report')).toBeNull()
    expect(wrapper.emitted('imported')).toHaveLength(1)
  })

  it('renders the counts, the rejected rows and the error report links', async () => {
    await mountDialog()
    await chooseFile()
    await submit()
    xhr().respond(200, REJECTED)
    await settle()

    expect($('registry-import-rows')?.textContent).toContain('5')
    expect($('registry-import-created')?.textContent).toContain('2')
    expect($('registry-import-updated')?.textContent).toContain('1')
    expect($('registry-import-unchanged')?.textContent).toContain('0')
    expect($('registry-import-rejected-count')?.textContent).toContain('2')
    const rows = [...document.body.querySelectorAll('[data-testid="registry-import-rejected"] tbody tr')].map((tr) =>
      [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim()),
    )
    expect(rows).toEqual([
      ['3', 'id_number', '123', 'not a valid ID number'],
      ['5', 'house_code', 'H-999', 'house H-999 not found'],
    ])
    expect($('registry-import-error-report-xlsx')?.getAttribute('href')).toBe(
      '/api/v1/registry/import-errors/rep-01?format=xlsx&lang=zh-CN',
    )
    expect($('registry-import-error-report-csv')?.getAttribute('href')).toBe(
      '/api/v1/registry/import-errors/rep-01?format=csv&lang=zh-CN',
    )
    expect(wrapper.emitted('imported')).toHaveLength(1)
  })

  it('asks for the error report in the language of the console', async () => {
    i18n.global.locale.value = 'en'
    await mountDialog('houses')
    await chooseFile('houses.csv')
    await submit()
    xhr().respond(200, REJECTED)
    await settle()
    expect($('registry-import-error-report-csv')?.getAttribute('href')).toBe(
      '/api/v1/registry/import-errors/rep-01?format=csv&lang=en',
    )
  })

  it('shows a 422 as a result that stored nothing, and does not ask for a refresh', async () => {
    await mountDialog('houses')
    await chooseFile('houses.xlsx')
    await submit()
    expect(xhr().url).toBe('/api/v1/registry/import/houses')
    xhr().respond(422, { ...REJECTED, created: 0, updated: 0, stored: false })
    await settle()
    expect($('registry-import-not-stored')?.textContent).toContain('未导入任何数据')
    expect(document.body.querySelectorAll('[data-testid="registry-import-rejected"] tbody tr')).toHaveLength(2)
    expect($('registry-import-error-report-xlsx')).not.toBeNull()
    expect($('registry-import-error')).toBeNull()
    expect(wrapper.emitted('imported')).toBeUndefined()
  })

  it('shows the detail and the reasons of a 400 problem', async () => {
    await mountDialog()
    await chooseFile()
    await submit()
    xhr().respond(
      400,
      {
        type: 'about:blank',
        status: 400,
        title: 'Bad Request',
        code: 'invalid',
        detail: 'the file is not CSV or XLSX',
        errors: [{ field: 'encoding', reason: 'must be auto, utf-8 or gbk' }],
      },
      'application/problem+json',
    )
    await settle()
    expect($('registry-import-error')?.textContent).toContain('输入有误')
    expect($('registry-import-error-detail')?.textContent).toBe('the file is not CSV or XLSX')
    expect($('registry-import-error-field')?.textContent).toBe('encoding: must be auto, utf-8 or gbk')
    expect($('registry-import-result')).toBeNull()
    expect(wrapper.emitted('imported')).toBeUndefined()
  })
})
