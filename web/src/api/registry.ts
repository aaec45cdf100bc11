// The registry (人房): persons and houses. ID numbers and phones go only in
// JSON bodies, never in a URL: search is a POST.
import { ApiError, baseHeaders, parseRetryAfter, problemFromBody, request, send } from './client'
import type {
  House,
  HouseDetail,
  ImportEncoding,
  HouseInput,
  HouseQuery,
  Page,
  Person,
  PersonInput,
  PersonPatch,
  PersonSearch,
  RegistryImportKind,
  RegistryImportResult,
  Saved,
} from './types'

const base = '/api/v1'

const seg = encodeURIComponent

type SentPage<T> = { items: T[] | null; next_after?: number | null }

/** An empty list may come as null, and a missing next page as 0 or null: both mean none. */
function page<T>(sent: SentPage<T>): Page<T> {
  const out: Page<T> = { items: sent.items ?? [] }
  if (typeof sent.next_after === 'number' && sent.next_after > 0) out.next_after = sent.next_after
  return out
}

/** Drops the fields that are undefined, empty strings or not finite numbers. */
function compact<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) =>
      typeof v === 'string' ? v !== '' : typeof v === 'number' ? Number.isFinite(v) : v !== undefined && v !== null,
    ),
  ) as Partial<T>
}

function sentPerson(p: Person): Person {
  return { ...p, houses: p.houses ?? [], groups: p.groups ?? [] }
}

/** Persons matching the query in the caller's scope, by id; the whole query goes in the body. */
export async function searchPersons(query: PersonSearch): Promise<Page<Person>> {
  const sent = await request<SentPage<Person>>('POST', `${base}/persons/search`, compact(query))
  const result = page(sent)
  return { ...result, items: result.items.map(sentPerson) }
}

/** A person, masked unless the caller has a live reveal of them. */
export async function getPerson(id: number): Promise<Person> {
  return sentPerson(await request<Person>('GET', `${base}/persons/${seg(String(id))}`))
}

/** Shows a person's full ID number and phone for a while (admin and center); audited with the purpose. */
export async function revealPerson(id: number, purpose: string): Promise<Person> {
  return sentPerson(await request<Person>('POST', `${base}/persons/${seg(String(id))}/reveal`, { purpose }))
}

/** Creates a person, or updates the one with the same ID number. */
export async function savePerson(input: PersonInput): Promise<Saved<Person>> {
  const { grid_code, ...rest } = input
  const body = grid_code ? { ...rest, grid_code } : rest
  const { status, body: person } = await send<Person>('POST', `${base}/persons`, body)
  return { item: sentPerson(person), created: status === 201 }
}

/**
 * Changes some fields of a person: the patch holds only those and the version
 * they were read at. A stale version is refused with 409 (naming "version").
 */
export async function patchPerson(id: number, patch: PersonPatch): Promise<Saved<Person>> {
  const person = await request<Person>('PATCH', `${base}/persons/${seg(String(id))}`, patch)
  return { item: sentPerson(person), created: false }
}

/** Where to download the import template of persons or houses. */
export function importTemplateUrl(kind: RegistryImportKind, format: 'xlsx' | 'csv'): string {
  return `${base}/registry/templates/${seg(kind)}?format=${format}`
}

/**
 * Where to download the report of the rows an import rejected. A link sends
 * no Accept-Language of the console's, so the language of the reasons
 * (the console's locale, e.g. zh-CN or en) goes in the query.
 */
export function importErrorsUrl(report: string, format: 'xlsx' | 'csv', lang: string): string {
  return `${base}/registry/import-errors/${seg(report)}?format=${format}&lang=${encodeURIComponent(lang)}`
}

export interface RegistryImportOptions {
  file: File
  encoding: ImportEncoding
  allOrNothing: boolean
  /** Called as the file goes up, with the percentage sent (0–100). */
  onProgress?: (percent: number) => void
  /** Called once the whole file is sent and the server is working on it. */
  onUploaded?: () => void
}

function importResult(body: Record<string, unknown>): RegistryImportResult {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0)
  const result: RegistryImportResult = {
    rows: num(body.rows),
    created: num(body.created),
    updated: num(body.updated),
    unchanged: num(body.unchanged),
    rejected: Array.isArray(body.rejected) ? (body.rejected as RegistryImportResult['rejected']) : [],
    stored: body.stored === true,
  }
  if (typeof body.error_report === 'string' && body.error_report) result.error_report = body.error_report
  return result
}

/**
 * Uploads a CSV or XLSX file of persons or houses. It goes by XMLHttpRequest,
 * not fetch, so that the upload's progress can be shown. 200 and 422 both
 * answer with the result; anything else is raised as an ApiError.
 */
export function importRegistry(kind: RegistryImportKind, options: RegistryImportOptions): Promise<RegistryImportResult> {
  const form = new FormData()
  form.append('encoding', options.encoding)
  form.append('all_or_nothing', options.allOrNothing ? 'true' : 'false')
  form.append('file', options.file, options.file.name)

  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', `${base}/registry/import/${seg(kind)}`)
    xhr.withCredentials = true
    // No Content-Type: the browser writes multipart/form-data with its boundary.
    for (const [name, value] of Object.entries(baseHeaders('POST'))) xhr.setRequestHeader(name, value)
    xhr.upload.onprogress = (event: ProgressEvent) => {
      if (event.lengthComputable && event.total > 0) {
        options.onProgress?.(Math.min(100, Math.round((event.loaded / event.total) * 100)))
      }
    }
    xhr.upload.onload = () => {
      options.onProgress?.(100)
      options.onUploaded?.()
    }
    xhr.onerror = () => reject(new ApiError({ status: 0, title: 'network error' }))
    xhr.onabort = () => reject(new ApiError({ status: 0, title: 'aborted' }))
    xhr.onload = () => {
      let decoded: unknown = undefined
      try {
        decoded = xhr.responseText ? JSON.parse(xhr.responseText) : undefined
      } catch {
        // Not JSON: only the status is left to go on.
      }
      const body = typeof decoded === 'object' && decoded !== null ? (decoded as Record<string, unknown>) : undefined
      const isResult = body !== undefined && typeof body.stored === 'boolean'
      if ((xhr.status >= 200 && xhr.status < 300) || (xhr.status === 422 && isResult)) {
        if (!body) {
          reject(problemFromBody(xhr.status, xhr.statusText, undefined))
          return
        }
        resolve(importResult(body))
        return
      }
      reject(problemFromBody(xhr.status, xhr.statusText, decoded, parseRetryAfter(xhr.getResponseHeader('Retry-After'))))
    }
    xhr.send(form)
  })
}

/** Houses in the caller's scope, by id. */
export async function listHouses(query: HouseQuery = {}): Promise<Page<House>> {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(compact(query))) params.set(k, String(v))
  const q = params.toString()
  return page(await request<SentPage<House>>('GET', `${base}/houses${q ? `?${q}` : ''}`))
}

/** A house with the persons linked to it (masked). */
export async function getHouse(code: string): Promise<HouseDetail> {
  const h = await request<HouseDetail>('GET', `${base}/houses/${seg(code)}`)
  return { ...h, occupants: (h.occupants ?? []).map(sentPerson) }
}

/** Creates a house, or updates the one with the same code. */
export async function saveHouse(input: HouseInput): Promise<Saved<House>> {
  const { status, body } = await send<House>('POST', `${base}/houses`, compact(input))
  return { item: body, created: status === 201 }
}
