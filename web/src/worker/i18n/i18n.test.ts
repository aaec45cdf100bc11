import { describe, expect, it } from 'vitest'
import { keysOf, keysUsed, lookup, type Tree } from '../../test/messages'
import { baseHeaders } from '../../api/client'
import en from './en'
import { applyLocale, i18n, toggleLocale } from './index'
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

describe('the worker language', () => {
  it('goes with the sign-in and every other request of the shared client, and follows a switch', () => {
    applyLocale()
    const first = i18n.global.locale.value
    expect(baseHeaders('POST')['Accept-Language']).toBe(first)
    toggleLocale()
    expect(baseHeaders('POST')['Accept-Language']).toBe(first === 'en' ? 'zh-CN' : 'en')
    expect(document.documentElement.lang).toBe(i18n.global.locale.value)
    toggleLocale()
  })
})
