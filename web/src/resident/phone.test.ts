import { describe, expect, it } from 'vitest'
import { isValidPhone, maskPhone, normalizePhone } from './phone'

describe('phone numbers', () => {
  it.each([
    ['13812345678', '13812345678'],
    [' 138 1234 5678 ', '13812345678'],
    ['138-1234-5678', '13812345678'],
    ['+8613812345678', '13812345678'],
    ['+86 138 1234 5678', '13812345678'],
    ['8619912345678', '19912345678'],
    ['', ''],
    ['12812345678', ''],
    ['1381234567', ''],
    ['138123456789', ''],
    ['0459-1234567', ''],
    ['1381234567a', ''],
    ['１３８１２３４５６７８', ''],
  ])('normalises %j to %j', (input, want) => {
    expect(normalizePhone(input)).toBe(want)
    expect(isValidPhone(input)).toBe(want !== '')
  })

  it('accepts every 1[3-9] number and refuses 10-12', () => {
    for (let second = 0; second <= 9; second++) {
      for (const rest of ['000000000', '123456789', '999999999']) {
        const n = `1${second}${rest}`
        expect(isValidPhone(n)).toBe(second >= 3)
      }
    }
  })

  it('masks the middle four digits', () => {
    expect(maskPhone('13812345678')).toBe('138****5678')
    expect(maskPhone('+86 138 1234 5678')).toBe('138****5678')
    expect(maskPhone('abc')).toBe('abc')
  })
})
