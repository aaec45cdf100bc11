import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { i18n } from '../i18n'
import { emptyResponse, jsonResponse, problemResponse, sentRequest, stubFetch } from '../test/http'
import TotpEnrollForm from './TotpEnrollForm.vue'

const enrollment = { secret: 'JBSWY3DPEHPK3PXP', otpauth_url: 'otpauth://totp/gridgov:zhangsan?secret=JBSWY3DPEHPK3PXP' }

let wrapper: VueWrapper

async function mountForm(): Promise<void> {
  i18n.global.locale.value = 'zh-CN'
  wrapper = mount(TotpEnrollForm, { global: { plugins: [i18n] }, attachTo: document.body })
  await flushPromises()
}

async function confirmWith(code: string): Promise<void> {
  await wrapper.get('input[data-testid="totp-code"]').setValue(code)
  await wrapper.get('form').trigger('submit')
  await flushPromises()
  await new Promise((resolve) => setTimeout(resolve, 0))
  await flushPromises()
}

afterEach(() => wrapper.unmount())

describe('TotpEnrollForm', () => {
  it('starts enrolment, shows the secret and URL, and confirms the code', async () => {
    const fetch = stubFetch(jsonResponse(200, enrollment), emptyResponse())
    await mountForm()
    expect(sentRequest(fetch, 0)).toMatchObject({ method: 'POST', url: '/api/v1/me/totp/enroll', body: {} })
    expect(wrapper.get('[data-testid="totp-secret"]').text()).toBe(enrollment.secret)
    expect(wrapper.get('[data-testid="totp-url"]').text()).toBe(enrollment.otpauth_url)

    await confirmWith('654321')
    expect(sentRequest(fetch, 1)).toMatchObject({ url: '/api/v1/me/totp/confirm', body: { code: '654321' } })
    expect(wrapper.emitted('confirmed')).toHaveLength(1)
  })

  it('shows why a code was refused', async () => {
    stubFetch(
      jsonResponse(200, enrollment),
      problemResponse(400, { code: 'invalid', errors: [{ field: 'code', reason: 'does not match' }] }),
    )
    await mountForm()
    await confirmWith('000000')
    await vi.waitFor(() => expect(wrapper.text()).toContain('does not match'))
    expect(wrapper.emitted('confirmed')).toBeUndefined()
  })

  it('offers a retry when enrolment cannot start', async () => {
    stubFetch(problemResponse(409, { code: 'conflict', detail: 'two-factor login is already on' }), jsonResponse(200, enrollment))
    await mountForm()
    expect(wrapper.get('[data-testid="totp-error"]').text()).toContain('two-factor login is already on')
    await wrapper.get('[data-testid="totp-retry"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="totp-secret"]').text()).toBe(enrollment.secret)
    expect(wrapper.find('[data-testid="totp-error"]').exists()).toBe(false)
  })
})
