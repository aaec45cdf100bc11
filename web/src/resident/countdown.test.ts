import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { mount } from '@vue/test-utils'
import { secondsUntil, useResendCountdown } from './countdown'

describe('secondsUntil', () => {
  it('rounds up and never goes below zero', () => {
    const now = Date.parse('2026-06-01T00:00:00Z')
    expect(secondsUntil('2026-06-01T00:01:00Z', now)).toBe(60)
    expect(secondsUntil('2026-06-01T00:00:00.200Z', now)).toBe(1)
    expect(secondsUntil('2026-05-31T23:59:00Z', now)).toBe(0)
    expect(secondsUntil('not a time', now)).toBe(0)
    expect(secondsUntil(now + 1500, now)).toBe(2)
  })
})

describe('useResendCountdown', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.parse('2026-06-01T00:00:00Z') }))
  afterEach(() => vi.useRealTimers())

  function harness() {
    let api!: ReturnType<typeof useResendCountdown>
    const wrapper = mount(defineComponent({ setup: () => ((api = useResendCountdown()), () => h('div')) }))
    return { api, wrapper }
  }

  it('counts down to the resend time once a second and stops at zero', () => {
    const { api } = harness()
    api.start('2026-06-01T00:01:00Z')
    expect(api.left.value).toBe(60)
    vi.advanceTimersByTime(1000)
    expect(api.left.value).toBe(59)
    vi.advanceTimersByTime(59_000)
    expect(api.left.value).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('takes a number of seconds from Retry-After', () => {
    const { api } = harness()
    api.start(45, true)
    expect(api.left.value).toBe(45)
    vi.advanceTimersByTime(5000)
    expect(api.left.value).toBe(40)
  })

  it('stops its timer when the component goes away', () => {
    const { api, wrapper } = harness()
    api.start(30, true)
    expect(vi.getTimerCount()).toBe(1)
    wrapper.unmount()
    expect(vi.getTimerCount()).toBe(0)
  })
})
