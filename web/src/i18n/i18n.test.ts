import { afterEach, describe, expect, it, vi } from 'vitest'
import { PROBLEM_CODES } from '../api/client'
import {
  HOUSE_LINKS,
  HOUSE_USAGES,
  HOUSEHOLD_RELATIONS,
  ID_KINDS,
  PERSON_GROUPS,
  PERSON_TAGS,
  RESIDENCE_TYPES,
  ROLES,
  SAMPLE_RECORD_TYPES,
  SCOPE_KINDS,
  SEXES,
} from '../api/types'
import en from './locales/en'
import zhCN from './locales/zh-CN'
import { keysOf, keysUsed, lookup, type Tree } from '../test/messages'

const locales: Record<string, Tree> = { 'zh-CN': zhCN, en }

describe('locale messages', () => {
  it('have the same keys in every locale', () => {
    const zhKeys = keysOf(zhCN).sort()
    const enKeys = keysOf(en).sort()
    expect(enKeys.filter((k) => !zhKeys.includes(k)), 'keys only in en').toEqual([])
    expect(zhKeys.filter((k) => !enKeys.includes(k)), 'keys only in zh-CN').toEqual([])
    expect(zhKeys.length).toBeGreaterThan(50)
  })

  it('have no empty messages', () => {
    for (const [name, tree] of Object.entries(locales)) {
      const empty = keysOf(tree).filter((k) => !lookup(tree, k)?.trim())
      expect(empty, `empty messages in ${name}`).toEqual([])
    }
  })

  it('name every role, scope kind and problem code the API sends', () => {
    const wanted = [
      ...ROLES.map((r) => `roles.${r}`),
      ...SCOPE_KINDS.map((k) => `scope.${k}`),
      ...PROBLEM_CODES.map((c) => `errors.${c}`),
      ...PERSON_TAGS.map((c) => `personTags.${c}`),
      ...PERSON_GROUPS.map((c) => `personGroups.${c}`),
      ...RESIDENCE_TYPES.map((c) => `residenceTypes.${c}`),
      ...HOUSEHOLD_RELATIONS.map((c) => `householdRelations.${c}`),
      ...HOUSE_LINKS.map((c) => `houseLinks.${c}`),
      ...HOUSE_USAGES.map((c) => `houseUsages.${c}`),
      ...SEXES.map((c) => `sexes.${c}`),
      ...ID_KINDS.map((c) => `idKinds.${c}`),
      ...SAMPLE_RECORD_TYPES.map((c) => `sampling.recordTypes.${c}`),
    ]
    for (const [name, tree] of Object.entries(locales)) {
      expect(wanted.filter((k) => lookup(tree, k) === undefined), `missing in ${name}`).toEqual([])
    }
    expect(zhCN.roles).toMatchObject({ admin: '系统管理员', center: '综治中心', worker: '网格员', resident: '居民' })
    expect(zhCN.personTags).toMatchObject({ elderly_alone: '独居老人', key_petitioner: '重点信访人员' })
    expect(zhCN.residenceTypes).toEqual({ registered: '户籍', resident: '常住', floating: '流动', foreign: '境外' })
    expect(zhCN.nav.registry).toBe('人口房屋')
  })

  it('contain every key the source code asks for', () => {
    // The mobile apps have their own messages, each with its own test.
    const sources = import.meta.glob(['../**/*.vue', '../**/*.ts', '!../**/*.test.ts', '!../test/**', '!../resident/**', '!../worker/**'], {
      query: '?raw',
      import: 'default',
      eager: true,
    }) as Record<string, string>
    const used = keysUsed(sources, { labels: true })
    expect(used.size).toBeGreaterThan(30)
    expect([...used].filter((k) => lookup(zhCN, k) === undefined)).toEqual([])
  })
})

describe('locale switching', () => {
  afterEach(() => {
    localStorage.clear()
    vi.resetModules()
  })

  it('defaults to Simplified Chinese', async () => {
    const { i18n, applyLocale } = await import('.')
    applyLocale()
    expect(i18n.global.locale.value).toBe('zh-CN')
    expect(document.documentElement.lang).toBe('zh-CN')
    expect(document.title).toBe('网格化服务管理平台')
  })

  it('remembers the chosen language and sets <html lang>', async () => {
    const { i18n, setLocale, LOCALE_STORAGE_KEY } = await import('.')
    setLocale('en')
    expect(i18n.global.t('nav.home')).toBe('Home')
    expect(document.documentElement.lang).toBe('en')
    expect(localStorage.getItem(LOCALE_STORAGE_KEY)).toBe('en')

    vi.resetModules()
    const reloaded = await import('.')
    expect(reloaded.i18n.global.locale.value).toBe('en')
  })

  it('ignores a stored language it does not speak', async () => {
    localStorage.setItem('gridgov.locale', 'fr')
    const { i18n } = await import('.')
    expect(i18n.global.locale.value).toBe('zh-CN')
  })

  it('counts in the grammar of each language', async () => {
    const { i18n } = await import('.')
    i18n.global.locale.value = 'en'
    expect(i18n.global.t('duration.minutes', 1)).toBe('1 minute')
    expect(i18n.global.t('duration.seconds', 30)).toBe('30 seconds')
    i18n.global.locale.value = 'zh-CN'
    expect(i18n.global.t('duration.minutes', 1)).toBe('1 分钟')
    expect(i18n.global.t('duration.seconds', 30)).toBe('30 秒')
  })

  it('renders every message in both locales', async () => {
    const { i18n } = await import('.')
    for (const locale of ['zh-CN', 'en'] as const) {
      i18n.global.locale.value = locale
      for (const key of keysOf(zhCN)) {
        const text = i18n.global.t(key, { name: 'N', wait: 'W', n: 9 })
        expect(text, `${locale} ${key}`).not.toBe(key)
        expect(text, `${locale} ${key}`).not.toMatch(/[{}]/)
      }
    }
  })
})
