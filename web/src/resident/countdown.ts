// The wait before another sign-in code may be asked for.
import { onBeforeUnmount, ref, type Ref } from 'vue'

/** Whole seconds from now until the moment (RFC 3339 or ms), never below 0. */
export function secondsUntil(until: string | number, now: number = Date.now()): number {
  const at = typeof until === 'number' ? until : Date.parse(until)
  if (Number.isNaN(at)) return 0
  return Math.max(0, Math.ceil((at - now) / 1000))
}

/**
 * A countdown in whole seconds, ticking once a second until it reaches 0.
 * start() takes the moment to count to (the server's resend_at) or a
 * number of seconds (a 429's Retry-After).
 */
export function useResendCountdown(now: () => number = Date.now): {
  left: Ref<number>
  start: (until: string | number, seconds?: boolean) => void
  stop: () => void
} {
  const left = ref(0)
  let timer: ReturnType<typeof setInterval> | undefined
  let until = 0

  function stop(): void {
    if (timer !== undefined) clearInterval(timer)
    timer = undefined
  }

  function tick(): void {
    left.value = secondsUntil(until, now())
    if (left.value === 0) stop()
  }

  function start(at: string | number, seconds = false): void {
    stop()
    until = seconds ? now() + Number(at) * 1000 : typeof at === 'number' ? at : Date.parse(at)
    if (Number.isNaN(until)) until = 0
    tick()
    if (left.value > 0) timer = setInterval(tick, 1000)
  }

  onBeforeUnmount(stop)
  return { left, start, stop }
}
