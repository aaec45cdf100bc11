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

  it('says the server’s Chinese reasons in the same words as its English ones', () => {
    i18n.global.locale.value = 'zh-CN'
    const pairs: [string, string][] = [
      ['is required', '必填'],
      ['must be at most 100 characters', '最多 100 个字'],
      ['must be plain text; HTML tags are not accepted', '须为纯文本；不能包含 HTML 标签'],
      ['must be UTF-8 text', '须为 UTF-8 文本'],
      ['unknown category "x"', '未知的类别 "x"'],
      ['the location is not inside any grid of this city', '该位置不在本市任何网格内'],
    ]
    for (const [en, zh] of pairs) {
      const said = errorText(refused([{ field: 'title', reason: en }]))
      expect(said).not.toContain('填写有误')
      expect(errorText(refused([{ field: 'title', reason: zh }]))).toBe(said)
    }
    expect(errorText(refused([{ field: 'title', reason: '最多 100 个字' }]))).toContain('100')

    const code = (reason: string) => errorText(refused([{ field: 'code', reason }]))
    const codes: [string, string][] = [
      ['has expired; ask for a new code', '已过期；请重新获取验证码'],
      ['was used already; ask for a new code', '已使用过；请重新获取验证码'],
      ['is wrong, and that was the last try; ask for a new code', '不正确，且已是最后一次尝试；请重新获取验证码'],
      ['was tried too many times; ask for a new code', '尝试次数过多；请重新获取验证码'],
      ['no code was sent to this phone; ask for one', '未向该手机发送过验证码；请先获取'],
      ['is wrong; 2 tries left', '不正确；还可尝试 2 次'],
    ]
    const said = codes.map(([en]) => code(en))
    expect(new Set(said).size).toBe(5)
    expect(codes.map(([, zh]) => code(zh))).toEqual(said)
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
