import { describe, expect, test } from 'vitest'
import { createI18n } from 'vue-i18n'
import en from '../i18n/en'
import zhCN from '../i18n/zh-CN'
import { describeProblem, draftProblem, problemOf, type Problem } from './problem'

function inLocale(locale: 'zh-CN' | 'en') {
  const i18n = createI18n({ legacy: false, locale, messages: { 'zh-CN': zhCN, en } })
  const { t, te } = i18n.global
  return { t: (k: string, p?: Record<string, unknown>) => (p ? t(k, p) : t(k)), te: (k: string) => te(k) }
}
const zh = inLocale('zh-CN')
const english = inLocale('en')
const field = (status: number, code: string, f: string, reason: string): Problem => ({ status, code, errors: [{ field: f, reason }], detail: 'the request was refused' })

describe('refusals, as the worker reads them', () => {
  test('the sign-in, the bind code and a repeated check-out, in Chinese and English', () => {
    const login: Problem = { status: 401, code: 'unauthorized', errors: [], detail: 'wrong username or password' }
    expect(describeProblem(login, zh.t, zh.te, 'login')).toEqual({ title: '账号或密码错误', detail: '', field: undefined })
    expect(describeProblem(login, english.t, english.te, 'login').title).toBe('Wrong username or password')

    const code = field(400, 'invalid', 'code', 'is not a valid enrolment code (unknown, already used or withdrawn)')
    expect(describeProblem(code, zh.t, zh.te, 'bind')).toEqual({ title: '绑定码无效：不存在、已使用或已撤回', detail: '', field: 'code' })
    expect(describeProblem(field(400, 'invalid', 'code', 'expired at 2026-06-01 08:00; ask your supervisor for a new one'), zh.t, zh.te, 'bind').title).toBe(
      '绑定码已过期，请向网格中心申请新的绑定码',
    )

    const twice = field(409, 'conflict', 'at', 'a check-out on 2026-06-01 was already recorded at 17:02 (record 9); this one was not counted')
    expect(describeProblem(twice, zh.t, zh.te, 'check_out').title).toBe('今天已签退过，本次未计入')
    expect(describeProblem(twice, english.t, english.te, 'check_out').title).toBe('Check out: already recorded today; this one was not counted')
  })

  test('the bind code and a check-out without check-in, told apart by their values in either language', () => {
    const bind = (reason: string) => describeProblem(field(400, 'invalid', 'code', reason), zh.t, zh.te, 'bind').title
    const expired = bind('expired at 2026-06-01 08:00; ask your supervisor for a new one')
    expect(bind('绑定码已于 2026-06-01 08:00 过期；请向上级申请新的绑定码')).toBe(expired)
    expect(bind('不是有效的绑定码（不存在、已使用或已撤回）')).toBe('绑定码无效：不存在、已使用或已撤回')

    const out = (code: string, reason: string) => describeProblem(field(400, code, 'at', reason), english.t, english.te, 'check_out').title
    const none = out('invalid', 'there is no check-in on 2026-06-01 to check out from')
    expect(none).toBe(english.t('problems.noCheckIn'))
    expect(out('invalid', '2026-06-01 没有可签退的签到记录')).toBe(none)
    expect(out('invalid', 'must be an RFC 3339 time such as 2026-06-01T08:30:00+08:00')).not.toBe(none)
    expect(out('invalid', 'is before the check-in at 08:30')).not.toBe(none)
  })

  test('the patrol track and the device', () => {
    expect(describeProblem(field(400, 'invalid', 'points[0].at', 'is before the patrol started at …'), zh.t, zh.te, 'patrol_points').title).toContain('巡查轨迹')
    expect(describeProblem(field(401, 'unauthorized', 'Gridgov-Signature.ts', 'is 10m0s off'), zh.t, zh.te).title).toContain('手机时间')
    expect(describeProblem(field(401, 'unauthorized', 'Gridgov-Signature.device', 'unknown'), zh.t, zh.te).title).toContain('未绑定')
    expect(describeProblem({ status: 0, code: '', errors: [], detail: 'Failed to fetch' }, zh.t, zh.te).title).toBe('无法连接服务器，请检查网络')
  })

  test('a field is named in the worker’s words, never by its API name; the server’s reason is the second line', () => {
    const known = describeProblem(field(400, 'invalid', 'category_code', 'is not a category'), zh.t, zh.te, 'report')
    expect(known).toEqual({ title: '事件类型有误', detail: 'is not a category', field: 'category_code' })
    const unknown = describeProblem(field(400, 'invalid', 'raise_event.grid_code', 'is not one of your grids'), zh.t, zh.te, 'visit')
    expect(unknown.title).toBe('提交的内容有误')
    expect(unknown.detail).toBe('is not one of your grids')
    expect(JSON.stringify(unknown)).not.toContain('grid_code')
    expect(describeProblem({ status: 503, code: '', errors: [], detail: '' }, english.t, english.te).title).toBe('The service is not available yet; try again later')
  })

  test('a draft saved with the old text loses the field name', () => {
    expect(draftProblem({ kind: 'check_out', lastError: 'at: a check-out on 2026-06-01 was already recorded' }, zh.t, zh.te)?.title).toBe(
      'a check-out on 2026-06-01 was already recorded',
    )
    expect(draftProblem({ kind: 'check_out', lastError: '' }, zh.t, zh.te)).toBeUndefined()
    const res = { status: 409, body: { code: 'conflict', errors: [{ field: 'at', reason: 'was already recorded' }] } }
    expect(draftProblem({ kind: 'check_out', lastError: 'x', problem: problemOf(res) }, zh.t, zh.te)?.title).toBe('今天已签退过，本次未计入')
  })
})
