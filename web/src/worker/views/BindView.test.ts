import { flushPromises, mount } from '@vue/test-utils'
import { Button, CellGroup, Field } from 'vant'
import { describe, expect, test, vi } from 'vitest'
import { reactive } from 'vue'
import { i18n } from '../i18n'

vi.mock('vue-router', () => ({ useRouter: () => ({ replace: async () => {} }) }))
vi.mock('../lib/app', () => ({
  device: async () => ({ deviceId: 'web-1', publicKey: 'pk' }),
  markBound: async () => {},
  send: async () => ({
    status: 400,
    body: { code: 'invalid', detail: 'the input is not valid', errors: [{ field: 'code', reason: 'is not a valid enrolment code (unknown, already used or withdrawn)' }] },
  }),
  state: reactive({ deviceId: 'web-1' }),
}))

const BindView = (await import('./BindView.vue')).default

describe('the bind screen', () => {
  test('says what is wrong with the code at the code, in Chinese, without the API’s words', async () => {
    const w = mount(BindView, { global: { plugins: [i18n], components: { VanButton: Button, VanCellGroup: CellGroup, VanField: Field } } })
    await w.get('[data-testid="bind-code"] input').setValue('XXXX-0000')
    await w.get('[data-testid="bind-submit"]').trigger('click')
    await flushPromises()
    expect(w.get('[data-testid="bind-code"]').text()).toContain('绑定码无效：不存在、已使用或已撤回')
    expect(w.text()).not.toMatch(/code:|enrolment code/)
    w.unmount()
  })
})
