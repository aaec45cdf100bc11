// The registry (人房): persons and houses. ID numbers and phones go only in
// JSON bodies, never in a URL: search is a POST.
import { request, send } from './client'
import type {
  House,
  HouseDetail,
  HouseInput,
  HouseQuery,
  Page,
  Person,
  PersonInput,
  PersonSearch,
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
