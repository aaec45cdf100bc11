// A list page's filters live in its URL as well as in its form: a link (a
// dashboard figure's, or one a colleague sent) opens the list filtered, and
// the filters the user searches by are written back, so that the list on
// show can be shared and survives a reload. Only filters that may be seen in
// an address go there: never an ID number, a phone or a name.
import { onMounted, watch } from 'vue'
import { useRoute, useRouter, type LocationQuery, type LocationQueryRaw } from 'vue-router'

/** Filters as a URL holds them: a string by parameter name, empty ones left out. */
export type LinkedFilters = Record<string, string>

function one(value: LocationQuery[string] | undefined): string {
  const v = Array.isArray(value) ? value[0] : value
  return typeof v === 'string' ? v.trim() : ''
}

/** The filters among names that a query carries, trimmed; empty ones left out. */
export function readFilters(query: LocationQuery, names: readonly string[]): LinkedFilters {
  const out: LinkedFilters = {}
  for (const name of names) {
    const v = one(query[name])
    if (v) out[name] = v
  }
  return out
}

/** Filters from a page's state: numbers written out, empty and missing values left out. */
export function compactFilters(values: Record<string, string | number | null | undefined>): LinkedFilters {
  const out: LinkedFilters = {}
  for (const [k, v] of Object.entries(values)) {
    if (typeof v === 'number' ? Number.isFinite(v) : typeof v === 'string' && v.trim() !== '') out[k] = String(v).trim()
  }
  return out
}

export function sameFilters(a: LinkedFilters, b: LinkedFilters): boolean {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k])
}

/** A whole number from 0 to max written in a link, or undefined. */
export function wholeNumber(value: string | undefined, max: number): number | undefined {
  if (value === undefined || !/^\d{1,6}$/.test(value)) return undefined
  const n = Number(value)
  return n <= max ? n : undefined
}

export interface LinkedFiltersOptions {
  /** The name of the list's route. */
  route: string
  /** The query parameters that are the list's filters. */
  names: readonly string[]
  /** The filters of the list on show, as the URL holds them. */
  current: () => LinkedFilters
  /** Sets the page's filters to those a link carries (the defaults for the rest) and lists again. */
  apply: (linked: LinkedFilters) => void | Promise<void>
}

/**
 * Keeps a list and its URL in step: the filters in the URL are applied when
 * the page opens and whenever the URL's change (a link followed, back and
 * forward); write() puts the filters on show in the URL, in place of the
 * current history entry. A kept-alive list come back to through its tab or
 * the menu, with no filters in the URL, keeps what it showed and writes it
 * back instead.
 */
export function useLinkedFilters(options: LinkedFiltersOptions): { write: () => void } {
  const route = useRoute()
  const router = useRouter()

  function write(): void {
    if (route.name !== options.route) return
    const wanted = options.current()
    if (sameFilters(readFilters(route.query, options.names), wanted)) return
    const query: LocationQueryRaw = {}
    for (const [k, v] of Object.entries(route.query)) {
      if (!options.names.includes(k)) query[k] = v
    }
    void router.replace({ name: options.route, params: route.params, query: { ...query, ...wanted }, hash: route.hash })
  }

  onMounted(() => void options.apply(readFilters(route.query, options.names)))

  watch(
    () => [route.name, route.query] as const,
    ([name, query], [before]) => {
      // A kept-alive page hears the routes of other pages too.
      if (name !== options.route) return
      const linked = readFilters(query, options.names)
      // The filters on show already, such as those write() just put there.
      if (sameFilters(linked, options.current())) return
      if (before !== options.route && Object.keys(linked).length === 0) {
        write()
        return
      }
      void options.apply(linked)
    },
  )

  return { write }
}
