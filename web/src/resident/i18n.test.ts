import { describe, expect, it } from 'vitest'
import { keysOf, keysUsed, lookup, type Tree } from '../test/messages'
import { ApiError, PROBLEM_CODES } from '../api/client'
import { errorText, fieldErrors, i18n, messages } from './i18n'

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

describe('errorText and fieldErrors', () => {
  const refused = (errors: { field: string; reason: string }[]) =>
    new ApiError({ status: 400, title: 'Bad Request', code: 'invalid', detail: 'invalid input', errors })

  it('says the reasons in the resident’s words and never an API field name', () => {
    i18n.global.locale.value = 'zh-CN'
    const err = refused([
      { field: 'title', reason: 'must be plain text; HTML tags are not accepted' },
      { field: 'description', reason: 'must be plain text; HTML tags are not accepted' },
    ])
    expect(errorText(err)).toBe('输入有误：请只填写文字，不能包含 HTML 标签')
    expect(fieldErrors(err, { title: 'description', description: 'description' })).toEqual({ description: '请只填写文字，不能包含 HTML 标签' })
    i18n.global.locale.value = 'en'
    expect(errorText(err)).toBe('Invalid input: Plain text only: no HTML tags')
    i18n.global.locale.value = 'zh-CN'
  })

  it('gives a reason it does not know as a generic sentence with the server’s words after it', () => {
    const err = refused([{ field: 'lng', reason: 'give both lng and lat' }])
    expect(fieldErrors(err, { lng: 'address' })).toEqual({ address: '填写有误，请检查（give both lng and lat）' })
    expect(errorText(err)).toBe('输入有误：填写有误，请检查（give both lng and lat）')
    expect(fieldErrors(err, { title: 'description' })).toEqual({})
  })

  it('says an ended session in one language, and names every problem code', () => {
    const ended = new ApiError({ status: 401, title: 'Unauthorized', code: 'unauthorized', detail: 'session expired or logged out' })
    expect(errorText(ended)).toBe('登录已失效，请重新登录')
    for (const locale of ['zh-CN', 'en'] as const) {
      for (const c of PROBLEM_CODES) expect(lookup(messages[locale] as Tree, `errors.${c}`)).toBeTypeOf('string')
    }
  })
})
