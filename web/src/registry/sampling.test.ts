import { describe, expect, it } from 'vitest'
import { makeHouse, makePerson } from '../test/registry'
import {
  checkedPercent,
  correctionErrors,
  currentMonth,
  floorAreaOk,
  formatRate,
  houseCorrection,
  houseCorrectionForm,
  personCorrection,
  personCorrectionForm,
} from './sampling'

describe('formatRate', () => {
  it('shows a rate as a percentage with one decimal, and nothing sampled as a dash', () => {
    expect(formatRate(0.6, 'zh-CN')).toBe('60.0%')
    expect(formatRate(1, 'en')).toBe('100.0%')
    expect(formatRate(2 / 3, 'en')).toBe('66.7%')
    expect(formatRate(0, 'en')).toBe('0.0%')
    expect(formatRate(null, 'en')).toBe('—')
    expect(formatRate(undefined, 'en')).toBe('—')
  })
})

describe('checkedPercent', () => {
  it('is the share checked of the sampled, 0 when nothing was sampled', () => {
    expect(checkedPercent({ sampled: 5, checked: 4, correct: 3, accuracy: 0.6 })).toBe(80)
    expect(checkedPercent({ sampled: 3, checked: 1, correct: 1, accuracy: 1 / 3 })).toBe(33)
    expect(checkedPercent({ sampled: 0, checked: 0, correct: 0, accuracy: null })).toBe(0)
  })
})

describe('currentMonth', () => {
  it('counts months in Beijing time, as the server does', () => {
    expect(currentMonth(new Date('2026-05-31T16:30:00Z'))).toBe('2026-06')
    expect(currentMonth(new Date('2026-05-31T15:59:00Z'))).toBe('2026-05')
    expect(currentMonth(new Date('2026-12-31T16:00:00Z'))).toBe('2027-01')
  })
})

describe('personCorrection', () => {
  const person = makePerson({ version: 4 })

  it('is null when nothing changed, the masked phone being no change', () => {
    const form = personCorrectionForm(person)
    expect(form.phone).toBe('')
    expect(personCorrection(person, form)).toBeNull()
    expect(personCorrection(person, { ...form, name: ` ${person.name} ` })).toBeNull()
  })

  it('holds only the changed fields and the version read; never the ID number', () => {
    const form = { ...personCorrectionForm(person), name: '李四 ', household_no: 'HH-0002', phone: ' 13812345678' }
    expect(personCorrection(person, form)).toEqual({
      version: 4,
      name: '李四',
      household_no: 'HH-0002',
      phone: '13812345678',
    })
    const moved = { ...personCorrectionForm(person), residence_type: 'floating', relation: '' }
    expect(personCorrection(person, moved)).toEqual({ version: 4, residence_type: 'floating', relation: '' })
  })
})

describe('houseCorrection', () => {
  const house = makeHouse({ version: 2, floor_area_m2: 86.5 })

  it('is null when nothing changed', () => {
    expect(houseCorrection(house, houseCorrectionForm(house))).toBeNull()
    expect(houseCorrectionForm(makeHouse({ floor_area_m2: undefined })).floor_area_m2).toBe('')
  })

  it('holds only the changed fields, the floor area as a number', () => {
    const form = { ...houseCorrectionForm(house), usage: 'vacant', room: ' 102 ', floor_area_m2: '90' }
    expect(houseCorrection(house, form)).toEqual({ version: 2, usage: 'vacant', room: '102', floor_area_m2: 90 })
  })

  it('leaves out a floor area that is not a number, which floorAreaOk refuses', () => {
    const form = { ...houseCorrectionForm(house), floor_area_m2: 'big' }
    expect(floorAreaOk('big')).toBe(false)
    expect(floorAreaOk(' 72.5 ')).toBe(true)
    expect(floorAreaOk('')).toBe(true)
    expect(houseCorrection(house, form)).toBeNull()
  })
})

describe('correctionErrors', () => {
  it('takes the reasons for one object by bare field name', () => {
    const errors = { note: 'say what was wrong', 'person.phone': 'not a phone', 'person.version': 'stale', house: 'no' }
    expect(correctionErrors(errors, 'person')).toEqual({ phone: 'not a phone', version: 'stale' })
    expect(correctionErrors(errors, 'house')).toEqual({})
  })
})
