import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import type { CalendarDay, CalendarState, ImportResult, YearView } from '../../api/calendar'
import type { Role } from '../../api/types'
import { i18n } from '../../i18n'
import { refreshSession } from '../../session'
import { makeMe, problemResponse, routeFetch, type SentCall } from '../../test/http'
import { $, itemError, settle, type } from '../../test/registry'
import CalendarPage from './CalendarPage.vue'

let wrapper: VueWrapper
let calls: SentCall[]

function makeState(overrides: Partial<CalendarState> = {}): CalendarState {
  return {
    time_zone: 'Asia/Shanghai',
    periods: [
      { start: '08:30', end: '12:00' },
      { start: '13:30', end: '17:30' },
    ],
    weekend: [0, 6],
    workday_hours: 7.5,
    version: 3,
    updated_at: '2026-06-01T01:00:00Z',
    updated_by: 'admin',
    years: [],
    ...overrides,
  }
}

const day = (date: string, name: string, isOffDay: boolean, year = 2026): CalendarDay => ({ date, name, isOffDay, year })

function makeYear(overrides: Partial<YearView> = {}): YearView {
  return {
    year: 2026,
    papers: ['https://www.gov.cn/zhengce/zhengceku/202511/content_7047091.htm'],
    source: 'default',
    days: [day('2026-02-14', '春节', false), day('2026-02-15', '春节', true), day('2026-02-16', '春节', true)],
    other_days: [day('2026-12-31', '元旦', true, 2027)],
    weekend: [0, 6],
    workdays: 248,
    version: 3,
    ...overrides,
  }
}

async function open(role: Role, routes: Record<string, unknown> = {}): Promise<void> {
  calls = routeFetch({
    'GET /api/v1/me': makeMe({ role, scope: { kind: 'region', code: '230600', name: '大庆市' } }),
    'GET /api/v1/calendar': makeState(),
    'GET /api/v1/calendar/2026': makeYear(),
    ...routes,
  }).calls
  await refreshSession()
  wrapper = mount(CalendarPage, { props: { initialYear: 2026 }, global: { plugins: [i18n] }, attachTo: document.body })
  await settle()
}

const text = (testid: string) => $(testid)?.textContent?.trim() ?? ''
const writes = () => calls.filter((c) => c.method !== 'GET')
const gets = (url: string) => calls.filter((c) => c.method === 'GET' && c.url === url).length
const classes = (testid: string) => [...($(testid)?.classList ?? [])]

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

afterEach(() => {
  wrapper.unmount()
  document.body.innerHTML = ''
})

describe('CalendarPage', () => {
  it('shows the year with weekends, holidays and make-up working days by name', async () => {
    await open('center')
    expect(text('calendar-year')).toBe('2026')
    expect(document.body.querySelectorAll('[data-testid^="month-"]')).toHaveLength(12)
    expect(text('month-2')).toContain('二月')
    expect(classes('day-2026-02-16')).toContain('holiday')
    expect(text('day-2026-02-16')).toContain('休')
    expect(text('day-2026-02-16')).toContain('春节')
    expect(classes('day-2026-02-14')).toContain('makeup')
    expect(text('day-2026-02-14')).toContain('班')
    expect(classes('day-2026-03-07')).toContain('weekend')
    expect(classes('day-2026-03-02')).toContain('workday')
    // The next year's notice declares 31 December.
    expect(classes('day-2026-12-31')).toContain('holiday')
    expect($('day-2026-12-31')?.getAttribute('title')).toBe('2026-12-31 节假日 · 元旦')
    expect(text('calendar-workdays')).toBe('全年工作日 248 天')
    expect(text('calendar-source')).toBe('内置数据')
    expect($('calendar-paper')?.getAttribute('href')).toContain('content_7047091')
    expect(text('calendar-legend')).toBe('工作日周末节假日调休上班')
    expect(text('calendar-hours-per-day')).toBe('每个工作日 7.5 小时')
  })

  it('turns to another year', async () => {
    await open('center', { 'GET /api/v1/calendar/2027': makeYear({ year: 2027, source: undefined, papers: [], days: [], other_days: [], workdays: 261 }) })
    $('calendar-next')!.click()
    await settle()
    expect(text('calendar-year')).toBe('2027')
    expect(gets('/api/v1/calendar/2027')).toBe(1)
    expect(text('calendar-source')).toBe('未维护，仅按周末规则')
    expect(text('calendar-workdays')).toBe('全年工作日 261 天')
    expect(classes('day-2027-02-06')).toContain('weekend')
  })

  it('makes a working day a day off, and a weekend day a make-up working day', async () => {
    await open('center', { 'PUT /api/v1/calendar/days/2026-03-02': {}, 'PUT /api/v1/calendar/days/2026-03-07': {} })
    $('day-2026-03-02')!.click()
    await settle()
    expect(text('day-dialog-kind')).toBe('工作日')
    expect($('day-dialog-remove')).toBeNull()
    $('day-dialog-save')!.click()
    await settle()
    // Element Plus shows a field's error after a short debounce.
    await new Promise((r) => setTimeout(r, 150))
    await settle()
    expect(itemError('day-dialog-name')).toBe('请填写节日名称')
    expect(writes()).toHaveLength(0)
    type('day-dialog-name', ' 停电 ')
    await settle()
    $('day-dialog-save')!.click()
    await settle()
    expect(writes()[0]).toMatchObject({ method: 'PUT', url: '/api/v1/calendar/days/2026-03-02', body: { version: 3, name: '停电', isOffDay: true } })
    expect(gets('/api/v1/calendar/2026')).toBe(2)

    $('day-2026-03-07')!.click()
    await settle()
    type('day-dialog-name', '清明节')
    await settle()
    $('day-dialog-save')!.click()
    await settle()
    expect(writes()[1]).toMatchObject({ url: '/api/v1/calendar/days/2026-03-07', body: { name: '清明节', isOffDay: false } })
  })

  it('hands a holiday back to the weekly pattern', async () => {
    await open('admin', { 'DELETE /api/v1/calendar/days/2026-02-16': {} })
    $('day-2026-02-16')!.click()
    await settle()
    expect(text('day-dialog-kind')).toBe('节假日')
    expect(text('day-dialog')).toContain('2026 年安排')
    expect(($('day-dialog-name') as HTMLInputElement).value).toBe('春节')
    $('day-dialog-remove')!.click()
    await settle()
    expect(writes().map((c) => `${c.method} ${c.url}`)).toEqual(['DELETE /api/v1/calendar/days/2026-02-16?version=3'])
  })

  it('reloads and says so when someone changed the calendar first', async () => {
    await open('center', {
      'PUT /api/v1/calendar/days/2026-03-02': problemResponse(409, {
        title: 'Conflict',
        code: 'conflict',
        errors: [{ field: 'version', reason: 'is 3, the calendar is at 4' }],
      }),
    })
    $('day-2026-03-02')!.click()
    await settle()
    type('day-dialog-name', '停电')
    await settle()
    $('day-dialog-save')!.click()
    await settle()
    expect(text('day-dialog-error')).toContain('日历已被他人修改')
    expect(gets('/api/v1/calendar')).toBe(2)
  })

  it('saves the working hours and shows a refusal beside its period', async () => {
    await open('center', {
      'PUT /api/v1/calendar/config': [
        problemResponse(400, {
          title: 'Bad Request',
          code: 'invalid',
          errors: [{ field: 'periods[1]', reason: '13:30–08:00 ends before it starts' }],
        }),
        makeState({ version: 4, weekend: [0, 5, 6] }),
      ],
    })
    type('period-0-start', 'noon')
    await settle()
    $('calendar-hours-save')!.click()
    await settle()
    expect(text('period-0-error')).toBe('请按 08:30 的格式填写')
    expect(writes()).toHaveLength(0)

    type('period-0-start', '08:00')
    type('period-1-end', '08:00')
    await settle()
    $('calendar-hours-save')!.click()
    await settle()
    expect(text('period-1-error')).toBe('13:30–08:00 ends before it starts')

    type('period-1-end', '18:00')
    $('weekend-5')!.querySelector('input')!.click()
    await settle()
    expect(text('calendar-hours-per-day')).toBe('每个工作日 8.5 小时')
    $('calendar-hours-save')!.click()
    await settle()
    expect(writes()[1]!.body).toEqual({
      version: 3,
      time_zone: 'Asia/Shanghai',
      periods: [
        { start: '08:00', end: '12:00' },
        { start: '13:30', end: '18:00' },
      ],
      weekend: [0, 5, 6],
    })
    expect(text('calendar-hours-saved')).toBe('已保存')
    expect(gets('/api/v1/calendar')).toBe(2)
  })

  it('imports a year file, lists what changed and shows that year', async () => {
    const result: ImportResult = {
      year: 2027,
      stored: true,
      added: 1,
      removed: 0,
      changed: 1,
      unchanged: 5,
      changes: [
        { date: '2027-01-02', before: null, after: day('2027-01-02', '元旦', true, 2027) },
        { date: '2027-04-05', before: day('2027-04-05', '清明节', true, 2027), after: day('2027-04-05', '清明', true, 2027) },
      ],
      version: 4,
    }
    await open('center', {
      'POST /api/v1/calendar/years': [
        problemResponse(400, {
          title: 'Bad Request',
          code: 'invalid',
          detail: 'holiday file refused',
          errors: [{ field: 'days[0].date', reason: '"2027-13-01" is not a date in the calendar' }],
        }),
        result,
      ],
      'GET /api/v1/calendar/2027': makeYear({ year: 2027, source: 'import', days: [], other_days: [] }),
    })
    expect(($('calendar-import-submit') as HTMLButtonElement).disabled).toBe(true)
    const choose = () => {
      const input = $('calendar-import-file') as HTMLInputElement
      Object.defineProperty(input, 'files', { value: [new File(['{}'], '2027.json', { type: 'application/json' })], configurable: true })
      input.dispatchEvent(new Event('change'))
    }
    choose()
    await settle()
    $('calendar-import-submit')!.click()
    await settle()
    expect(text('calendar-import-error')).toContain('days[0].date: "2027-13-01" is not a date in the calendar')

    $('calendar-import-submit')!.click()
    await settle()
    expect(writes().map((c) => c.url)).toEqual(['/api/v1/calendar/years', '/api/v1/calendar/years'])
    expect(text('calendar-import-result')).toContain('2027 年：新增 1，删除 0，修改 1，未变 5')
    expect(text('calendar-import-changes')).toContain('+ 2027-01-02 休 元旦')
    expect(text('calendar-import-changes')).toContain('~ 2027-04-05 休 清明节 → 休 清明')
    expect(text('calendar-year')).toBe('2027')
    expect(gets('/api/v1/calendar/2027')).toBe(1)
    expect(text('calendar-source')).toBe('已导入')
  })

  it('only shows the calendar to those who do not keep it', async () => {
    await open('worker')
    expect(($('day-2026-03-02') as HTMLButtonElement).disabled).toBe(true)
    $('day-2026-03-02')!.click()
    await settle()
    expect($('day-dialog-save')).toBeNull()
    expect($('calendar-hours-save')).toBeNull()
    expect($('calendar-import')).toBeNull()
    expect(($('period-0-start') as HTMLInputElement).disabled).toBe(true)
  })

  it('counts a deadline against the calendar', async () => {
    await open('center', {
      'GET /api/v1/calendar/deadline': {
        from: '2026-09-30T08:00:00Z',
        amount: 4,
        unit: 'hours',
        deadline: '2026-10-08T03:00:00Z',
        local: '2026-10-08T11:00:00+08:00',
        time_zone: 'Asia/Shanghai',
        version: 3,
      },
    })
    type('deadline-from', '2026-09-30T16:00')
    type('deadline-amount', '4')
    await settle()
    $('deadline-submit')!.click()
    await settle()
    const asked = calls.find((c) => c.url.startsWith('/api/v1/calendar/deadline'))!
    const q = new URL(asked.url, 'http://x').searchParams
    // Typed on the calendar's clock, whatever the browser's zone.
    expect(q.get('from')).toBe('2026-09-30T16:00:00+08:00')
    expect([q.get('amount'), q.get('unit')]).toEqual(['4', 'hours'])
    expect(text('deadline-result')).toBe('截止：2026-10-08 11:00 (Asia/Shanghai)')
  })
})
