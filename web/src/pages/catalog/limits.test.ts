import { describe, expect, it } from 'vitest'
import type { Limits } from '../../api/catalog'
import { checkAmount, formToLimits, freeLevels, limitAt, limitsToForm, newOverride, thresholdsOk } from './limits'

const garbage: Limits = {
  receive: { amount: 0.5, unit: 'hours' },
  register: { amount: 0.5, unit: 'hours' },
  dispatch: { amount: 0.5, unit: 'hours' },
  handle: { amount: 4, unit: 'hours' },
  verify: { amount: 0.5, unit: 'hours' },
  levels: { township: { handle: { amount: 2, unit: 'hours' } } },
}

describe('limits form', () => {
  it('round-trips stored limits', () => {
    const form = limitsToForm(garbage)
    expect(form.base.handle).toEqual({ amount: '4', unit: 'hours' })
    expect(form.overrides.map((o) => o.level)).toEqual(['township'])
    expect(form.overrides[0]!.steps.verify.amount).toBe('')
    expect(formToLimits(form)).toEqual({ limits: garbage, errors: {} })
  })

  it('names every bad amount by the field the server uses', () => {
    const form = limitsToForm()
    form.base.receive.amount = '1'
    form.base.register = { amount: '0', unit: 'hours' }
    form.base.dispatch = { amount: 'soon', unit: 'hours' }
    form.base.handle = { amount: '1.5', unit: 'days' }
    form.overrides.push(newOverride('county'))
    form.overrides[0]!.steps.verify = { amount: '0.001', unit: 'hours' }
    const { errors } = formToLimits(form)
    expect(errors).toEqual({
      'limits.register.amount': 'positive',
      'limits.dispatch.amount': 'notNumber',
      'limits.handle.amount': 'wholeDays',
      'limits.verify.amount': 'required',
      'limits.levels.county.verify.amount': 'wholeMinutes',
    })
  })

  it('drops an override that changes nothing', () => {
    const form = limitsToForm(garbage)
    form.overrides.push(newOverride('county'))
    expect(formToLimits(form).limits.levels).toEqual({ township: { handle: { amount: 2, unit: 'hours' } } })
    expect(freeLevels(form)).toEqual(['city', 'village', 'grid'])
  })

  it('checks amounts as the server does', () => {
    expect(checkAmount({ amount: '20', unit: 'days' }).amount).toEqual({ amount: 20, unit: 'days' })
    expect(checkAmount({ amount: '366', unit: 'days' }).reason).toBe('tooManyDays')
    expect(checkAmount({ amount: '2001', unit: 'hours' }).reason).toBe('tooManyHours')
    expect(checkAmount({ amount: ' 0.25 ', unit: 'hours' }).amount).toEqual({ amount: 0.25, unit: 'hours' })
    expect(checkAmount({ amount: 'Infinity', unit: 'hours' }).reason).toBe('notNumber')
  })

  it('checks the warning thresholds and reads the limit of a level', () => {
    expect(thresholdsOk(0.8, 1)).toBe(true)
    expect(thresholdsOk(0.8, 1.5)).toBe(true)
    expect(thresholdsOk(1, 1.5)).toBe(false)
    expect(thresholdsOk(0.9, 0.8)).toBe(false)
    expect(limitAt(garbage, 'handle', 'township')).toEqual({ amount: 2, unit: 'hours' })
    expect(limitAt(garbage, 'handle', 'county')).toEqual({ amount: 4, unit: 'hours' })
    expect(limitAt(garbage, 'verify')).toEqual({ amount: 0.5, unit: 'hours' })
    expect(limitAt(undefined, 'verify')).toBeUndefined()
  })
})
