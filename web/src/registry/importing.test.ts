import { describe, expect, it } from 'vitest'
import { canImportRegistry } from './importing'

describe('canImportRegistry', () => {
  it('lets admins, the center and grid workers import, and no one else', () => {
    expect(['admin', 'center', 'worker'].every((r) => canImportRegistry(r as never))).toBe(true)
    expect(['department', 'leader', 'resident'].some((r) => canImportRegistry(r as never))).toBe(false)
    expect(canImportRegistry(undefined)).toBe(false)
  })
})
