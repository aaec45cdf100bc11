import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { setCsrfToken } from '../api/client'
import { i18n } from '../i18n'
import { jsonResponse, makeMe, problemResponse, sentRequest, stubFetch } from '../test/http'
import LoginForm from './LoginForm.vue'

function mountForm(): VueWrapper {
  return mount(LoginForm, { global: { plugins: [i18n] }, attachTo: document.body })
}

async function fill(wrapper: VueWrapper, testid: string, value: string): Promise<void> {
  await wrapper.get(`input[data-testid="${testid}"]`).setValue(value)
}

async function submit(wrapper: VueWrapper): Promise<void> {
  await wrapper.get('form').trigger('submit')
  await flushPromises()
  // Element Plus validates through a chain of promises; let it settle.
  await new Promise((resolve) => setTimeout(resolve, 0))
  await flushPromises()
}

let wrapper: VueWrapper

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

afterEach(() => {
  wrapper.unmount()
  setCsrfToken('')
})

describe('LoginForm', () => {
  it('posts the credentials and reports the signed-in user', async () => {
    const fetch = stubFetch(jsonResponse(200, { token: 't', csrf_token: 'c', user: makeMe() }))
    wrapper = mountForm()
    await fill(wrapper, 'login-username', ' zhangsan ')
    await fill(wrapper, 'login-password', 'correct horse')
    await submit(wrapper)

    expect(fetch).toHaveBeenCalledTimes(1)
    const req = sentRequest(fetch)
    expect(req.method).toBe('POST')
    expect(req.url).toBe('/api/v1/auth/login')
    expect(req.body).toEqual({ username: 'zhangsan', password: 'correct horse' })
    const emitted = wrapper.emitted('signed-in')
    expect(emitted).toHaveLength(1)
    expect(emitted?.[0]?.[0]).toMatchObject({ username: 'zhangsan', display_name: '张三' })
    expect(wrapper.find('[data-testid="login-error"]').exists()).toBe(false)
  })

  it('does not send an empty form', async () => {
    const fetch = stubFetch()
    wrapper = mountForm()
    await submit(wrapper)
    expect(fetch).not.toHaveBeenCalled()
    expect(wrapper.findAll('.el-form-item.is-error')).toHaveLength(2)
    await vi.waitFor(() => expect(wrapper.text()).toContain('请填写此项'))
  })

  it('asks for a TOTP code when the server wants one, and resubmits with it', async () => {
    const fetch = stubFetch(
      problemResponse(401, { title: 'Unauthorized', code: 'otp_required', detail: 'one-time code required' }),
      jsonResponse(200, { token: 't', csrf_token: 'c', user: makeMe({ totp_enabled: true }) }),
    )
    wrapper = mountForm()
    expect(wrapper.find('[data-testid="login-otp"]').exists()).toBe(false)
    await fill(wrapper, 'login-username', 'zhangsan')
    await fill(wrapper, 'login-password', 'pw')
    await submit(wrapper)

    expect(wrapper.find('input[data-testid="login-otp"]').exists()).toBe(true)
    expect(wrapper.get('[data-testid="login-otp-hint"]').text()).toContain('6 位动态码')
    expect(wrapper.find('[data-testid="login-error"]').exists()).toBe(false)
    expect(wrapper.emitted('signed-in')).toBeUndefined()

    await fill(wrapper, 'login-otp', '12ab')
    await submit(wrapper)
    expect(fetch).toHaveBeenCalledTimes(1)
    await vi.waitFor(() => expect(wrapper.text()).toContain('请输入 6 位数字'))

    await fill(wrapper, 'login-otp', '123456')
    await submit(wrapper)
    expect(fetch).toHaveBeenCalledTimes(2)
    expect(sentRequest(fetch, 1).body).toEqual({ username: 'zhangsan', password: 'pw', otp: '123456' })
    expect(wrapper.emitted('signed-in')).toHaveLength(1)
  })

  it('says so when the TOTP code is wrong', async () => {
    stubFetch(
      problemResponse(401, { title: 'Unauthorized', code: 'otp_required' }),
      problemResponse(401, { title: 'Unauthorized', code: 'otp_required', detail: 'wrong one-time code' }),
    )
    wrapper = mountForm()
    await fill(wrapper, 'login-username', 'zhangsan')
    await fill(wrapper, 'login-password', 'pw')
    await submit(wrapper)
    await fill(wrapper, 'login-otp', '000000')
    await submit(wrapper)

    const error = wrapper.get('[data-testid="login-error"]')
    expect(error.text()).toContain('动态验证码不正确')
    expect(error.text()).toContain('wrong one-time code')
    expect((wrapper.get('input[data-testid="login-otp"]').element as HTMLInputElement).value).toBe('')
  })

  it('shows the server detail for wrong credentials', async () => {
    stubFetch(
      problemResponse(401, { title: 'Unauthorized', code: 'unauthorized', detail: 'invalid username or password' }),
    )
    wrapper = mountForm()
    await fill(wrapper, 'login-username', 'zhangsan')
    await fill(wrapper, 'login-password', 'wrong')
    await submit(wrapper)

    const error = wrapper.get('[data-testid="login-error"]')
    expect(error.text()).toContain('用户名或密码错误')
    expect(error.text()).toContain('invalid username or password')
    expect(wrapper.emitted('signed-in')).toBeUndefined()
  })

  it('tells how long to wait when rate limited', async () => {
    stubFetch(
      problemResponse(
        429,
        { title: 'Too Many Requests', code: 'rate_limited', detail: 'too many failed attempts' },
        { 'Retry-After': '42' },
      ),
    )
    wrapper = mountForm()
    await fill(wrapper, 'login-username', 'zhangsan')
    await fill(wrapper, 'login-password', 'wrong')
    await submit(wrapper)

    const error = wrapper.get('[data-testid="login-error"]')
    expect(error.text()).toContain('请在 42 秒后重试')
    expect(error.text()).toContain('too many failed attempts')
  })

  it('counts a long wait in minutes', async () => {
    stubFetch(problemResponse(429, { code: 'rate_limited' }, { 'Retry-After': '900' }))
    wrapper = mountForm()
    await fill(wrapper, 'login-username', 'zhangsan')
    await fill(wrapper, 'login-password', 'wrong')
    await submit(wrapper)
    expect(wrapper.get('[data-testid="login-error"]').text()).toContain('请在 15 分钟后重试')
  })

  it('speaks English when the locale is English', async () => {
    i18n.global.locale.value = 'en'
    stubFetch(problemResponse(429, { code: 'rate_limited' }, { 'Retry-After': '61' }))
    wrapper = mountForm()
    expect(wrapper.get('button[data-testid="login-submit"]').text()).toBe('Sign in')
    await fill(wrapper, 'login-username', 'u')
    await fill(wrapper, 'login-password', 'p')
    await submit(wrapper)
    expect(wrapper.get('[data-testid="login-error"]').text()).toContain('Try again in 2 minutes')
  })
})
