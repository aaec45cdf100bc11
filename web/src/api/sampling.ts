// Sampling checks of the registry (抽检): monthly rounds, the items workers
// confirm or correct, and the accuracy by region.
import { request } from './client'
import type {
  Page,
  Person,
  SampleCheck,
  SamplingAccuracy,
  SamplingItem,
  SamplingItemDetail,
  SamplingItemQuery,
  SamplingRound,
  SamplingRoundQuery,
  SamplingStart,
} from './types'

const base = '/api/v1/sampling'

const seg = encodeURIComponent

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== '' && v !== false) q.set(k, String(v))
  }
  const s = q.toString()
  return s ? `?${s}` : ''
}

/** A missing count or list may come as null: both mean none. */
function item(sent: SamplingItem): SamplingItem {
  return { ...sent, corrected: sent.corrected ?? [] }
}

/**
 * Rounds reaching into the caller's scope, newest first. The page's
 * next_after is the server's next_before: where the list (newest first) goes on.
 */
export async function listSamplingRounds(q: SamplingRoundQuery = {}): Promise<Page<SamplingRound>> {
  const sent = await request<{ items: SamplingRound[] | null; next_before?: number | null }>(
    'GET',
    `${base}/rounds${query({ month: q.month, region: q.region, before: q.before, limit: q.limit })}`,
  )
  const page: Page<SamplingRound> = { items: sent.items ?? [] }
  if (typeof sent.next_before === 'number' && sent.next_before > 0) page.next_after = sent.next_before
  return page
}

/** Starts a month's round over a region (admin and center); the server draws the records. */
export async function startSamplingRound(input: SamplingStart): Promise<SamplingRound> {
  return request<SamplingRound>('POST', `${base}/rounds`, input)
}

/** A round's progress under a region (first) and each of its children; the round's region when none is named. */
export async function samplingAccuracy(roundId: number, region?: string): Promise<SamplingAccuracy[]> {
  const sent = await request<{ items: SamplingAccuracy[] | null }>(
    'GET',
    `${base}/rounds/${seg(String(roundId))}/accuracy${query({ region })}`,
  )
  return sent.items ?? []
}

/** Unchecked items in the caller's scope, by id. */
export async function listSamplingItems(q: SamplingItemQuery = {}): Promise<Page<SamplingItem>> {
  const sent = await request<{ items: SamplingItem[] | null; next_after?: number | null }>(
    'GET',
    `${base}/items${query({ round: q.round, mine: q.mine, after: q.after, limit: q.limit })}`,
  )
  const page: Page<SamplingItem> = { items: (sent.items ?? []).map(item) }
  if (typeof sent.next_after === 'number' && sent.next_after > 0) page.next_after = sent.next_after
  return page
}

/** An item with its record as it stands, numbers masked. */
export async function getSamplingItem(id: number): Promise<SamplingItemDetail> {
  const sent = await request<SamplingItemDetail>('GET', `${base}/items/${seg(String(id))}`)
  const out: SamplingItemDetail = { ...item(sent) }
  if (sent.person)
    out.person = { ...sent.person, houses: sent.person.houses ?? [], groups: sent.person.groups ?? [] } as Person
  else delete out.person
  if (!sent.house) delete out.house
  return out
}

/**
 * Records the finding on an item: correct, or incorrect with a note and
 * perhaps a correction of the record. The server refuses a second check with
 * 409, and a correction of a record changed meanwhile with 409 naming
 * "person.version" or "house.version".
 */
export async function checkSamplingItem(id: number, check: SampleCheck): Promise<void> {
  await request<void>('POST', `${base}/items/${seg(String(id))}`, check)
}
