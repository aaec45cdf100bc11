import { describe, expect, it } from 'vitest'
import { keysOf, keysUsed, lookup, type Tree } from '../test/messages'
import { messages } from './i18n'

describe('resident app messages', () => {
  it('has every key the app asks for, in Chinese and English', () => {
    const sources = import.meta.glob(['./**/*.vue', './**/*.ts', '!./**/*.test.ts'], { query: '?raw', import: 'default', eager: true }) as Record<
      string,
      string
    >
    const used = keysUsed(sources)
    expect(used.size).toBeGreaterThan(40)
    for (const locale of ['zh-CN', 'en'] as const) {
      expect([...used].filter((k) => lookup(messages[locale] as Tree, k) === undefined)).toEqual([])
    }
  })

  it('names every state, action and rating the server sends', () => {
    for (const locale of ['zh-CN', 'en'] as const) {
      const m = messages[locale]
      for (const s of ['reported', 'registered', 'dispatched', 'handling', 'handled', 'closed', 'rejected', 'duplicate', 'parked', 'voided']) {
        expect(lookup(m as Tree, `states.${s}`)).toBeTypeOf('string')
      }
      for (const r of ['satisfied', 'basic', 'unsatisfied']) expect(lookup(m as Tree, `ratings.${r}`)).toBeTypeOf('string')
      expect(Object.keys(m.actions)).toContain('feedback')
    }
    expect(keysOf(messages.en as Tree).sort()).toEqual(keysOf(messages['zh-CN'] as Tree).sort())
  })
})
