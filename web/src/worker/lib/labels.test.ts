import { describe, expect, test } from 'vitest'
import { createI18n } from 'vue-i18n'
import { EVENT_STATES } from '../../api/events'
import en from '../i18n/en'
import zhCN from '../i18n/zh-CN'
import { draftTitle, LABEL_KEYS, stateName } from './labels'

function inLocale(locale: 'zh-CN' | 'en') {
  const i18n = createI18n({ legacy: false, locale, messages: { 'zh-CN': zhCN, en } })
  const { t, te } = i18n.global
  return { t: (k: string, p?: Record<string, unknown>) => (p ? t(k, p) : t(k)), te: (k: string) => te(k) }
}

describe('labels', () => {
  test('every event state has a name in both languages; an unknown one is shown as sent', () => {
    for (const locale of ['zh-CN', 'en'] as const) {
      const { t, te } = inLocale(locale)
      for (const s of EVENT_STATES) expect(stateName(s, t, te), `${locale} ${s}`).not.toBe(s)
      expect(stateName('someday', t, te)).toBe('someday')
    }
    const { t, te } = inLocale('zh-CN')
    expect(stateName('reported', t, te)).toBe('已上报')
    expect(stateName('reported', inLocale('en').t, inLocale('en').te)).toBe('Reported')
  })

  test('a draft is named in the language it is read in, whatever it was made in', () => {
    const { t, te } = inLocale('en')
    for (const k of LABEL_KEYS) expect(te(k)).toBe(true)
    expect(draftTitle({ kind: 'check_in', label: '' }, t)).toBe('Check-in')
    expect(draftTitle({ kind: 'action', label: '路边垃圾', labelKey: 'act.feedback' }, t)).toBe('Event action · Send result · 路边垃圾')
    expect(draftTitle({ kind: 'patrol_points', label: '#2' }, t)).toBe('Patrol track · #2')
    // Drafts saved with the words of their day.
    expect(draftTitle({ kind: 'check_in', label: '签到' }, t)).toBe('Check-in')
    expect(draftTitle({ kind: 'patrol_finish', label: '结束巡查' }, t)).toBe('Patrol finish')
    expect(draftTitle({ kind: 'action', label: '提交反馈 · 路边垃圾' }, t)).toBe('Event action · Send result · 路边垃圾')
    expect(draftTitle({ kind: 'report', label: '楼道堆物' }, t)).toBe('Report · 楼道堆物')
    const zh = inLocale('zh-CN')
    expect(draftTitle({ kind: 'check_out', label: 'Check out' }, zh.t)).toBe('签退')
  })
})
