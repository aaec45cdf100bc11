import { describe, expect, it } from 'vitest'
import { keysOf, keysUsed, lookup, type Tree } from '../../test/messages'
import en from './en'
import zhCN from './zh-CN'

describe('worker app messages', () => {
  it('has every key the app asks for, in Chinese and English', () => {
    const sources = import.meta.glob(['../**/*.vue', '../**/*.ts', '!../**/*.test.ts'], {
      query: '?raw',
      import: 'default',
      eager: true,
    }) as Record<string, string>
    const used = keysUsed(sources)
    expect(used.size).toBeGreaterThan(40)
    for (const [name, tree] of [['zh-CN', zhCN], ['en', en]] as const) {
      expect([...used].filter((k) => lookup(tree as Tree, k) === undefined), `missing in ${name}`).toEqual([])
    }
  })

  it('has the same keys in both locales, none empty', () => {
    const zh = keysOf(zhCN as Tree).sort()
    expect(keysOf(en as Tree).sort()).toEqual(zh)
    expect(zh.filter((k) => !lookup(zhCN as Tree, k)?.trim())).toEqual([])
  })
})
