import { describe, expect, it } from 'vitest'
import { makePerson } from '../test/registry'
import { formatCountdown } from './countdown'
import { houseLabel } from './house'
import { maskIdNumber, maskPerson, maskPhone, matchesMasked } from './mask'

describe('masking', () => {
  it('hides numbers as the server does', () => {
    expect(maskIdNumber('23060219560412003X')).toBe('230602********003X')
    expect(maskIdNumber('230602560412003')).toBe('230602*****2003')
    expect(maskIdNumber('AB1234')).toBe('****34')
    expect(maskPhone('13612345678')).toBe('136****5678')
    expect(maskPhone('0459-1234567')).toBe('0459-***4567')
    expect(maskPhone('400-123-4567')).toBe('400-***-4567')
    expect(maskPhone('+85212345678')).toBe('********5678')
    expect(maskPhone('')).toBe('')
  })

  it('hides a revealed person again, and leaves masked numbers as they are', () => {
    const revealed = makePerson({ id_number: '23060219560412003X', phone: '13612345678', revealed: true, reveal_expires_at: 'x' })
    const masked = maskPerson(revealed)
    expect(masked).toMatchObject({ id_number: '230602********003X', phone: '136****5678', revealed: false })
    expect(masked).not.toHaveProperty('reveal_expires_at')
    expect(maskPerson(makePerson())).toEqual({ ...makePerson(), revealed: false })
  })

  it('tells whether a typed ID number is the one behind a masked one', () => {
    expect(matchesMasked(' 23060219560412003x ', '230602********003X')).toBe(true)
    expect(matchesMasked('230602195604120046', '230602********003X')).toBe(false)
    expect(matchesMasked('23060219560412003X', '23060219560412003X')).toBe(true)
  })
})

describe('formatCountdown', () => {
  it('writes minutes and seconds, rounding up and never below zero', () => {
    expect(formatCountdown(600_000)).toBe('10:00')
    expect(formatCountdown(598_200)).toBe('09:59')
    expect(formatCountdown(3_600_000)).toBe('1:00:00')
    expect(formatCountdown(-5)).toBe('00:00')
  })
})

describe('houseLabel', () => {
  it('names the estate and the known parts of the house number', () => {
    expect(houseLabel({ estate: '友谊小区', building: '3', unit: '2', room: '101' })).toBe('友谊小区 3-2-101')
    expect(houseLabel({ estate: '', building: '3', unit: '', room: '101' })).toBe('3-101')
    expect(houseLabel({ estate: ' ', building: '', unit: '', room: '' })).toBe('')
  })
})
