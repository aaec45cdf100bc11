import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { defineComponent, h, ref, shallowRef } from 'vue'
import { i18n } from '../i18n'
import FilePicker from './FilePicker.vue'

let wrapper: VueWrapper
const model = shallowRef<File | null>(null)
const picked: (File | null)[] = []
const disabled = ref(false)

/** A parent holding the model, as the import dialogs do. */
const Host = defineComponent({
  setup() {
    return () =>
      h(FilePicker, {
        modelValue: model.value,
        'onUpdate:modelValue': (f: File | null) => (model.value = f),
        onPicked: (f: File | null) => picked.push(f),
        accept: '.csv,.xlsx',
        testid: 'picker',
        hint: '支持 .csv 与 .xlsx 文件',
        disabled: disabled.value,
      })
  },
})

const input = () => wrapper.find<HTMLInputElement>('[data-testid="picker"]').element

async function choose(file: File): Promise<void> {
  Object.defineProperty(input(), 'files', { value: [file], configurable: true })
  input().dispatchEvent(new Event('change'))
  await flushPromises()
}

beforeEach(async () => {
  i18n.global.locale.value = 'zh-CN'
  model.value = null
  picked.length = 0
  disabled.value = false
  wrapper = mount(Host, { global: { plugins: [i18n] }, attachTo: document.body })
  await flushPromises()
})

afterEach(() => {
  wrapper.unmount()
  document.body.innerHTML = ''
})

describe('FilePicker', () => {
  it('shows that no file is chosen, the hint and what it accepts', () => {
    expect(wrapper.find('[data-testid="picker-name"]').text()).toBe('未选择文件')
    expect(wrapper.text()).toContain('选择文件')
    expect(wrapper.text()).toContain('支持 .csv 与 .xlsx 文件')
    expect(input().accept).toBe('.csv,.xlsx')
    expect(input().type).toBe('file')
  })

  it('takes the chosen file into the model, names it and says it was picked', async () => {
    const file = new File(['a,b'], 'persons.csv', { type: 'text/csv' })
    await choose(file)
    expect(model.value).toBe(file)
    expect(picked).toEqual([file])
    expect(wrapper.find('[data-testid="picker-name"]').text()).toBe('persons.csv')
  })

  it('clears the native input when the model is reset, so the same file can be chosen again', async () => {
    await choose(new File(['a'], 'a.csv'))
    const cleared: string[] = []
    Object.defineProperty(input(), 'value', {
      configurable: true,
      get: () => '',
      set: (v: string) => cleared.push(v),
    })
    model.value = null
    await flushPromises()
    expect(cleared).toEqual([''])
    expect(wrapper.find('[data-testid="picker-name"]').text()).toBe('未选择文件')
  })

  it('opens the chooser from its button, and neither while disabled', async () => {
    let clicks = 0
    input().addEventListener('click', () => clicks++)
    await wrapper.find('button').trigger('click')
    expect(clicks).toBe(1)
    disabled.value = true
    await flushPromises()
    expect(wrapper.find('button').attributes('disabled')).toBeDefined()
    expect(input().disabled).toBe(true)
  })

  it('speaks English too', async () => {
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(wrapper.find('[data-testid="picker-name"]').text()).toBe('No file chosen')
    expect(wrapper.text()).toContain('Choose file')
  })
})
