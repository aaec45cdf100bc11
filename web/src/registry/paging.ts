// The state every registry list shares: the items on show, whether more
// follow, loading the first page and the next ones, and the error of the last
// request with the server's reasons by field (shown next to the filters).
import { ref, shallowRef, type Ref, type ShallowRef } from 'vue'
import type { Page } from '../api/types'
import { describeError, type ErrorText } from '../i18n/problem'
import { fieldErrorMap } from './errors'

export interface PagedList<T> {
  items: ShallowRef<T[]>
  /** Where the next page starts; undefined when the list is complete. */
  nextAfter: Ref<number | undefined>
  /** The first page is on its way. */
  loading: Ref<boolean>
  /** A further page is on its way. */
  loadingMore: Ref<boolean>
  error: Ref<ErrorText | null>
  fieldErrors: Ref<Record<string, string>>
  /** Starts again from the first page (after the filters changed, or the data did). */
  reload: () => Promise<void>
  /** Appends the next page, if there is one and none is on its way. */
  more: () => Promise<void>
}

/**
 * A list read a page at a time with fetchPage(after), which the caller binds
 * to its current filters. An answer to an older request (the filters changed
 * meanwhile) is dropped, so a slow first search cannot overwrite a newer one.
 */
export function usePagedList<T>(fetchPage: (after: number | undefined) => Promise<Page<T>>): PagedList<T> {
  const items = shallowRef<T[]>([])
  const nextAfter = ref<number | undefined>(undefined)
  const loading = ref(false)
  const loadingMore = ref(false)
  const error = ref<ErrorText | null>(null)
  const fieldErrors = ref<Record<string, string>>({})
  /** Counts requests, so that the answer to an older one is dropped. */
  let asked = 0

  async function fetchInto(after: number | undefined): Promise<void> {
    const n = ++asked
    error.value = null
    fieldErrors.value = {}
    try {
      const page = await fetchPage(after)
      if (n !== asked) return
      items.value = after !== undefined ? [...items.value, ...page.items] : page.items
      nextAfter.value = page.next_after
    } catch (err) {
      if (n !== asked) return
      error.value = describeError(err)
      fieldErrors.value = fieldErrorMap(err)
    }
  }

  async function reload(): Promise<void> {
    loading.value = true
    items.value = []
    nextAfter.value = undefined
    try {
      await fetchInto(undefined)
    } finally {
      loading.value = false
    }
  }

  async function more(): Promise<void> {
    if (nextAfter.value === undefined || loadingMore.value) return
    loadingMore.value = true
    try {
      await fetchInto(nextAfter.value)
    } finally {
      loadingMore.value = false
    }
  }

  return { items, nextAfter, loading, loadingMore, error, fieldErrors, reload, more }
}
