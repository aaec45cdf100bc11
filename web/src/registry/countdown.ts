// The time left on a reveal of personal numbers.
import { onBeforeUnmount, ref, type Ref } from 'vue'

/** "09:58" for 598 s; "1:00:00" from an hour up; "00:00" once over. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const two = (n: number) => String(n).padStart(2, '0')
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`
}

/**
 * Counts down to a moment, once a second, and calls expired when it has come.
 * start() with no time, or with one in the past, calls expired at once.
 */
export function useCountdown(expired: () => void): {
  remaining: Ref<number>
  start: (until: string | undefined) => void
  stop: () => void
} {
  const remaining = ref(0)
  let timer: ReturnType<typeof setInterval> | undefined
  let until = 0

  function stop(): void {
    if (timer !== undefined) clearInterval(timer)
    timer = undefined
    remaining.value = 0
  }

  function tick(): void {
    remaining.value = Math.max(0, until - Date.now())
    if (remaining.value === 0) {
      stop()
      expired()
    }
  }

  function start(at: string | undefined): void {
    stop()
    until = at ? Date.parse(at) : Number.NaN
    if (Number.isNaN(until)) until = 0
    tick()
    if (remaining.value > 0) timer = setInterval(tick, 1000)
  }

  onBeforeUnmount(stop)
  return { remaining, start, stop }
}
