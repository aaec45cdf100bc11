import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { i18n } from '../../i18n'
import { defaultVisibility } from '../../map/layers'
import LayerSwitcher from './LayerSwitcher.vue'

let wrapper: VueWrapper

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

afterEach(() => wrapper.unmount())

describe('LayerSwitcher', () => {
  it('lists every layer with the zoom it appears from, and switches one at a time', async () => {
    wrapper = mount(LayerSwitcher, {
      props: {
        modelValue: defaultVisibility(),
        'onUpdate:modelValue': (v: unknown) => wrapper.setProps({ modelValue: v }),
      },
      global: { plugins: [i18n] },
    })
    const text = wrapper.text()
    for (const name of ['区县界', '街道乡镇界', '社区村界', '综合网格', '专属网格', '警务网格', '调解网格', '网格驿站']) {
      expect(text).toContain(name)
    }
    expect(wrapper.get('[data-testid="layer-item-stations"]').attributes('title')).toBe('12 级起显示')
    expect(wrapper.get('[data-testid="layer-item-county"]').attributes('title')).toBeUndefined()
    expect(wrapper.findAll('li.dim')).toHaveLength(0)

    await wrapper.setProps({ zoom: 10.5 })
    const dim = wrapper.findAll('li.dim').map((li) => li.attributes('data-testid'))
    expect(dim).toEqual(['layer-item-grid', 'layer-item-exclusive', 'layer-item-police', 'layer-item-mediation', 'layer-item-stations'])

    await wrapper.get('[data-testid="layer-police"] input').setValue(true)
    await wrapper.get('[data-testid="layer-grid"] input').setValue(false)
    const emitted = wrapper.emitted('update:modelValue') as [Record<string, boolean>][]
    expect(emitted.at(-1)?.[0]).toMatchObject({ police: true, grid: false, county: true })
  })
})
