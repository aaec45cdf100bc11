import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { setCsrfToken } from '../api/client'
import { i18n } from '../i18n'
import { emptyResponse, problemResponse, sentRequest, stubFetch } from '../test/http'
import ChangePasswordForm from './ChangePasswordForm.vue'

let wrapper: VueWrapper

async function fillAndSubmit(current: string, next: string, confirm: string): Promise<void> {
  await wrapper.get('input[data-testid="password-current"]').setValue(current)
  await wrapper.get('input[data-testid="password-new"]').setValue(next)
  await wrapper.get('input[data-testid="password-confirm"]').setValue(confirm)
  await wrapper.get('form').trigger('submit')
  await flushPromises()
  await new Promise((resolve) => setTimeout(resolve, 0))
  await flushPromises()
}

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  setCsrfToken('csrf-abc')
  wrapper = mount(ChangePasswordForm, { global: { plugins: [i18n] }, attachTo: document.body })
})

afterEach(() => {
  wrapper.unmount()
  setCsrfToken('')
})

describe('ChangePasswordForm', () => {
  it('posts the current and new password with the CSRF token', async () => {
    const fetch = stubFetch(emptyResponse())
    await fillAndSubmit('Old-Passw0rd!', 'New-Passw0rd-2026', 'New-Passw0rd-2026')

    const req = sentRequest(fetch)
    expect(req.url).toBe('/api/v1/me/password')
    expect(req.headers.get('X-CSRF-Token')).toBe('csrf-abc')
    expect(req.body).toEqual({ current_password: 'Old-Passw0rd!', new_password: 'New-Passw0rd-2026' })
    expect(wrapper.emitted('changed')).toHaveLength(1)
  })

  it('refuses two different new passwords without asking the server', async () => {
    const fetch = stubFetch()
    await fillAndSubmit('Old-Passw0rd!', 'New-Passw0rd-2026', 'New-Passw0rd-2027')
    expect(fetch).not.toHaveBeenCalled()
    await vi.waitFor(() => expect(wrapper.text()).toContain('两次输入的新密码不一致'))
  })

  it('shows the reason the server gives next to the field it names', async () => {
    stubFetch(
      problemResponse(400, {
        title: 'Bad Request',
        code: 'invalid',
        detail: 'invalid input',
        errors: [{ field: 'current_password', reason: 'is wrong' }],
      }),
    )
    await fillAndSubmit('Wrong-Passw0rd!', 'New-Passw0rd-2026', 'New-Passw0rd-2026')

    const item = wrapper.get('input[data-testid="password-current"]').element.closest('.el-form-item')
    expect(item?.classList.contains('is-error')).toBe(true)
    await vi.waitFor(() => expect(item?.textContent).toContain('is wrong'))
    expect(wrapper.find('[data-testid="password-error"]').exists()).toBe(false)
    expect(wrapper.emitted('changed')).toBeUndefined()
  })

  it('shows other failures above the form', async () => {
    stubFetch(problemResponse(403, { title: 'Forbidden', code: 'forbidden', detail: 'CSRF token missing' }))
    await fillAndSubmit('Old-Passw0rd!', 'New-Passw0rd-2026', 'New-Passw0rd-2026')
    const error = wrapper.get('[data-testid="password-error"]')
    expect(error.text()).toContain('没有权限执行此操作')
    expect(error.text()).toContain('CSRF token missing')
  })
})
