import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import type { Role } from '../../api/types'
import { i18n } from '../../i18n'
import { refreshSession } from '../../session'
import { emptyResponse, makeMe, problemResponse, routeFetch, type SentCall } from '../../test/http'
import { $, itemError, settle, type } from '../../test/registry'
import { GRID1, makeTeam } from './fixtures'
import TeamsPage from './TeamsPage.vue'

let wrapper: VueWrapper
let calls: SentCall[]

const police = { id: 8, grid_code: GRID1, role: 'police' as const, name: '王警官', phone: '139****1111', version: 1 }

async function open(role: Role, routes: Record<string, unknown>): Promise<void> {
  calls = routeFetch({ 'GET /api/v1/me': makeMe({ role }), ...routes }).calls
  await refreshSession()
  wrapper = mount(TeamsPage, { global: { plugins: [i18n] }, attachTo: document.body })
  await settle()
  type('team-grid', ` ${GRID1} `)
  $('team-grid-form')!.dispatchEvent(new Event('submit'))
  await settle()
}

const click = async (testid: string) => {
  const el = $(testid)
  if (!el) throw new Error(`no ${testid}`)
  el.click()
  await settle()
}

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

afterEach(() => {
  wrapper.unmount()
  document.body.innerHTML = ''
})

describe('TeamsPage', () => {
  it('shows a grid’s workers and members, and what the team lacks', async () => {
    await open('leader', { [`GET /api/v1/workforce/teams/${GRID1}`]: makeTeam() })
    expect($('team-name')?.textContent).toContain('友谊一网格')
    expect($('team-worker-5')?.textContent).toBe('李四')
    expect($('team-workers')?.textContent).toContain('网格长')
    expect($('team-complete')?.textContent).toContain('缺少：民警')
    expect($('member-add')).toBeNull()
  })

  it('adds a member and shows refused fields inline', async () => {
    await open('center', {
      [`GET /api/v1/workforce/teams/${GRID1}`]: [makeTeam(), makeTeam({ members: [police], complete: true, missing: [] })],
      [`POST /api/v1/workforce/teams/${GRID1}/members`]: [
        problemResponse(400, { title: 'Bad Request', code: 'invalid', errors: [{ field: 'phone', reason: 'is not a phone number' }] }),
        police,
      ],
    })
    await click('member-add')
    type('member-form-name', ' 王警官 ')
    type('member-form-phone', '139')
    await settle()
    await click('member-form-submit')
    await vi.waitFor(() => expect(itemError('member-form-phone')).toBe('is not a phone number'))
    type('member-form-phone', '13900001111')
    await settle()
    await click('member-form-submit')
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.body)).toEqual([
      { role: 'police', name: '王警官', phone: '139' },
      { role: 'police', name: '王警官', phone: '13900001111' },
    ])
    expect($('team-member-8')?.textContent).toBe('王警官')
    expect($('team-complete')?.textContent).toContain('团队完整')
  })

  it('edits with the version read, and reads the team again on a conflict', async () => {
    await open('center', {
      [`GET /api/v1/workforce/teams/${GRID1}`]: [makeTeam({ members: [police] }), makeTeam({ members: [{ ...police, version: 2 }] })],
      'PATCH /api/v1/workforce/team-members/8': problemResponse(409, { title: 'Conflict', code: 'conflict' }),
    })
    await click('member-edit-8')
    type('member-form-note', '社区民警')
    await settle()
    await click('member-form-submit')
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ role: 'police', name: '王警官', department_code: '', note: '社区民警', version: 1 })
    expect($('team-error')?.textContent).toContain('数据已被他人修改')
    expect(calls.filter((c) => c.url.startsWith('/api/v1/workforce/teams/'))).toHaveLength(2)
  })

  it('removes a member with the version read', async () => {
    await open('center', {
      [`GET /api/v1/workforce/teams/${GRID1}`]: [makeTeam({ members: [police] }), makeTeam()],
      'DELETE /api/v1/workforce/team-members/8': emptyResponse(),
    })
    await click('member-remove-8')
    expect($('member-remove-dialog')?.textContent).toContain('王警官')
    await click('member-remove-confirm')
    expect(calls.find((c) => c.method === 'DELETE')?.url).toBe('/api/v1/workforce/team-members/8?version=1')
    expect($('team-member-8')).toBeNull()
  })

  it('says when the grid is out of reach', async () => {
    await open('center', {
      [`GET /api/v1/workforce/teams/${GRID1}`]: problemResponse(404, { title: 'Not Found', code: 'not_found' }),
    })
    expect($('team-error')?.textContent).toContain('请求的内容不存在')
    expect($('team')).toBeNull()
  })
})
