// Fetching one panel's figures: the answer for the region (and period) on
// show, fetched again when the change stream names the panel — at most once
// per message, and never while a fetch of the same figures is still out:
// messages arriving meanwhile make one more fetch when it returns. A server
// still loading its figures (503) is asked again after its Retry-After.
import { ref, shallowRef, type Ref, type ShallowRef } from 'vue'
import { ApiError } from '../api/client'
import { describeError, type ErrorText } from '../i18n/problem'

export interface LoaderCallbacks<T> {
  data(value: T): void
  error(err: unknown): void
  loading(busy: boolean): void
}

export class PanelLoader<K, T> {
  private key: K | undefined
  private keyText = ''
  private inFlight = false
  private again = false
  private generation = 0
  private stopped = false
  private retry: ReturnType<typeof setTimeout> | undefined

  constructor(
    private readonly fetcher: (key: K) => Promise<T>,
    private readonly on: LoaderCallbacks<T>,
  ) {}

  /**
   * Shows the figures of a key (a region and period): fetched unless that very
   * fetch is already out. A new key drops the answer of any fetch still out.
   */
  show(key: K): void {
    const text = JSON.stringify(key)
    if (this.key !== undefined && text === this.keyText && this.inFlight) return
    this.key = key
    this.keyText = text
    this.again = false
    this.generation++
    void this.fetch()
  }

  /** The figures on show changed: fetch them again, now or once the fetch out returns. */
  changed(): void {
    if (this.key === undefined || this.stopped) return
    if (this.inFlight) {
      this.again = true
      return
    }
    void this.fetch()
  }

  /** Stops: answers still out are dropped and nothing more is fetched. */
  stop(): void {
    this.stopped = true
    this.generation++
    clearTimeout(this.retry)
  }

  get busy(): boolean {
    return this.inFlight
  }

  private async fetch(): Promise<void> {
    if (this.stopped || this.key === undefined) return
    const generation = this.generation
    this.inFlight = true
    this.on.loading(true)
    try {
      const value = await this.fetcher(this.key)
      if (generation !== this.generation) return
      this.on.data(value)
    } catch (err) {
      if (generation !== this.generation) return
      this.on.error(err)
      if (err instanceof ApiError && err.status === 503) {
        clearTimeout(this.retry)
        this.retry = setTimeout(() => {
          if (generation === this.generation) this.changed()
        }, (err.retryAfterSeconds ?? 3) * 1000)
      }
    } finally {
      if (generation === this.generation) {
        this.inFlight = false
        this.on.loading(false)
        if (this.again && !this.stopped) {
          this.again = false
          void this.fetch()
        }
      }
    }
  }
}

export interface PanelState<K, T> {
  data: ShallowRef<T | null>
  error: Ref<ErrorText | null>
  /** The HTTP status of the last failure (0 for a network fault), null after a success. */
  failedWith: Ref<number | null>
  loading: Ref<boolean>
  loader: PanelLoader<K, T>
}

/** A PanelLoader whose figures, error and loading flag are refs for a template. */
export function usePanel<K, T>(fetcher: (key: K) => Promise<T>): PanelState<K, T> {
  const data = shallowRef<T | null>(null)
  const error = ref<ErrorText | null>(null)
  const failedWith = ref<number | null>(null)
  const loading = ref(false)
  const loader = new PanelLoader<K, T>(fetcher, {
    data: (v) => {
      data.value = v
      error.value = null
      failedWith.value = null
    },
    error: (err) => {
      error.value = describeError(err)
      failedWith.value = err instanceof ApiError ? err.status : 0
    },
    loading: (busy) => {
      loading.value = busy
    },
  })
  return { data, error, failedWith, loading, loader }
}
