// The dashboards' change stream (GET /api/v1/dashboard/stream, Server-Sent
// Events): "change" names the panels to fetch again, "reset" says changes
// were missed and everything must be fetched again.
//
// The browser's EventSource reconnects by itself after a dropped connection
// and sends Last-Event-ID, so the server can replay what was missed. It gives
// up for good when the server answers with an error (a restart, a session
// that ended); then a new EventSource is opened after a growing delay. A new
// EventSource starts without Last-Event-ID, so whatever happened before it
// opened is unknown: the first open of every source counts as a reset. That
// holds for the first stream of a page and for a new region's stream too: a
// change made between the panels' fetch and the stream's open would
// otherwise never show.
import { getCurrentScope, onScopeDispose, watch, type WatchSource } from 'vue'
import { PANELS, streamUrl, type Panel } from './api'

/** The part of EventSource the stream uses, so tests can hand in a fake. */
export interface EventSourceLike {
  readonly readyState: number
  addEventListener(type: string, listener: (event: MessageEvent) => void): void
  close(): void
}

export type StreamState = 'connecting' | 'open' | 'retrying' | 'closed'

export interface StreamHandlers {
  /** The panels whose figures changed. */
  change(panels: Panel[]): void
  /** Changes may have been missed: fetch every panel again. */
  reset(): void
  state?(state: StreamState): void
}

export interface StreamOptions {
  open?: (url: string) => EventSourceLike
  /** Delays before each new attempt after the browser gave up, in ms; the last repeats. */
  retryDelays?: readonly number[]
  setTimer?: (fn: () => void, ms: number) => unknown
  clearTimer?: (timer: unknown) => void
}

/** EventSource.CLOSED, which a test's fake may not define. */
const CLOSED = 2

export const RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000] as const

/** The panels a change message names; every panel when the message cannot be read. */
export function changedPanels(data: string): Panel[] {
  try {
    const parsed: unknown = JSON.parse(data)
    const topics = (parsed as { topics?: unknown } | null)?.topics
    if (Array.isArray(topics)) return PANELS.filter((p) => topics.includes(p))
  } catch {
    // Fall through: better one fetch too many than a stale screen.
  }
  return [...PANELS]
}

export class ChangeStream {
  private source: EventSourceLike | null = null
  private timer: unknown = null
  private attempt = 0
  private stopped = false
  private readonly open: (url: string) => EventSourceLike
  private readonly delays: readonly number[]
  private readonly setTimer: (fn: () => void, ms: number) => unknown
  private readonly clearTimer: (timer: unknown) => void

  constructor(
    private readonly url: string,
    private readonly handlers: StreamHandlers,
    options: StreamOptions = {},
  ) {
    this.open = options.open ?? ((u) => new EventSource(u, { withCredentials: true }))
    this.delays = options.retryDelays ?? RETRY_DELAYS_MS
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms))
    this.clearTimer = options.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>))
    this.connect()
  }

  private connect(): void {
    this.handlers.state?.('connecting')
    const source = this.open(this.url)
    this.source = source
    // Events of a source that was replaced or closed are not ours any more.
    const mine = () => this.source === source && !this.stopped
    // Later opens of the same source are the browser's reconnections, which
    // resume with Last-Event-ID.
    let first = true
    source.addEventListener('open', () => {
      if (!mine()) return
      this.attempt = 0
      this.handlers.state?.('open')
      if (first) {
        first = false
        this.handlers.reset()
      }
    })
    source.addEventListener('change', (e) => {
      if (mine()) this.handlers.change(changedPanels(String(e.data)))
    })
    source.addEventListener('reset', () => {
      if (mine()) this.handlers.reset()
    })
    source.addEventListener('error', () => {
      if (!mine()) return
      if (source.readyState !== CLOSED) {
        // The browser is reconnecting and will resume with Last-Event-ID.
        this.handlers.state?.('retrying')
        return
      }
      source.close()
      this.source = null
      this.handlers.state?.('retrying')
      const delay = this.delays[Math.min(this.attempt, this.delays.length - 1)] ?? 30_000
      this.attempt++
      this.timer = this.setTimer(() => {
        this.timer = null
        if (!this.stopped) this.connect()
      }, delay)
    })
  }

  /** Ends the stream for good: the connection, and any attempt waiting to start. */
  close(): void {
    if (this.stopped) return
    this.stopped = true
    if (this.timer !== null) this.clearTimer(this.timer)
    this.timer = null
    this.source?.close()
    this.source = null
    this.handlers.state?.('closed')
  }

  get closed(): boolean {
    return this.stopped
  }
}

/**
 * Follows the change stream of a region for as long as the calling component
 * (or effect scope) lives: a new region opens a new stream, unmounting closes it.
 * The region may be empty for the top of the caller's scope; null means no stream.
 */
export function useChangeStream(
  region: WatchSource<string | null>,
  handlers: StreamHandlers,
  options: StreamOptions = {},
): { close: () => void } {
  let stream: ChangeStream | null = null
  const stop = () => {
    stream?.close()
    stream = null
  }
  const unwatch = watch(
    region,
    (code) => {
      stop()
      if (code !== null) stream = new ChangeStream(streamUrl(code || undefined), handlers, options)
    },
    { immediate: true },
  )
  const close = () => {
    unwatch()
    stop()
  }
  if (getCurrentScope()) onScopeDispose(close)
  return { close }
}
