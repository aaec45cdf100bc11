import { describe, expect, it } from 'vitest'
import { categoryName } from './categoryName'

describe('categoryName', () => {
  const c = { name: '矛盾纠纷', name_en: 'Disputes' }

  it('gives the English name in English and the Chinese name in Chinese', () => {
    expect(categoryName(c, 'en')).toBe('Disputes')
    expect(categoryName(c, 'en-US')).toBe('Disputes')
    expect(categoryName(c, 'zh-CN')).toBe('矛盾纠纷')
  })

  it('falls back to the Chinese name when there is no English one', () => {
    expect(categoryName({ name: '矛盾纠纷', name_en: '' }, 'en')).toBe('矛盾纠纷')
    expect(categoryName({ name: '矛盾纠纷', name_en: '  ' }, 'en')).toBe('矛盾纠纷')
    expect(categoryName({ name: '矛盾纠纷' }, 'en')).toBe('矛盾纠纷')
  })
})
