// Time limits as the editor holds them (text boxes per step and level) and
// as the API takes them, with the server's checks repeated so that a clerk
// sees a mistake before saving. Errors are keyed by the server's field names
// ("limits.handle.amount", "limits.levels.township.verify.amount"), so the
// server's own refusals land in the same places.
import { REGION_LEVELS, type RegionLevel } from '../../api/types'
import { STEPS, type Amount, type Limits, type Step, type StepLimits, type Unit } from '../../api/catalog'

export interface AmountField {
  amount: string
  unit: Unit
}

export interface LevelOverride {
  level: RegionLevel
  /** An empty amount keeps the default of that step. */
  steps: Record<Step, AmountField>
}

export interface LimitsForm {
  base: Record<Step, AmountField>
  overrides: LevelOverride[]
}

const MAX_DAYS = 365
const MAX_HOURS = 2000

function emptySteps(): Record<Step, AmountField> {
  return Object.fromEntries(STEPS.map((s) => [s, { amount: '', unit: 'hours' as Unit }])) as Record<Step, AmountField>
}

function fieldsOf(steps: StepLimits | undefined): Record<Step, AmountField> {
  const out = emptySteps()
  for (const s of STEPS) {
    const a = steps?.[s]
    if (a) out[s] = { amount: String(a.amount), unit: a.unit }
  }
  return out
}

/** The editor's form of stored limits; blank for a new leaf. */
export function limitsToForm(limits?: Limits): LimitsForm {
  const overrides = REGION_LEVELS.flatMap((level) => {
    const o = limits?.levels?.[level]
    return o ? [{ level, steps: fieldsOf(o) }] : []
  })
  return { base: fieldsOf(limits), overrides }
}

/** A fresh override for a level, every step inheriting the default. */
export function newOverride(level: RegionLevel): LevelOverride {
  return { level, steps: emptySteps() }
}

/** The levels that have no override yet, in order. */
export function freeLevels(form: LimitsForm): RegionLevel[] {
  return REGION_LEVELS.filter((l) => !form.overrides.some((o) => o.level === l))
}

/**
 * Checks one amount; the reason is a message key under catalog.limits.errors.
 * Days are whole (working days are counted whole), hours whole minutes.
 */
export function checkAmount(field: AmountField): { amount?: Amount; reason?: string } {
  const text = field.amount.trim()
  if (text === '') return { reason: 'required' }
  const n = Number(text)
  if (!Number.isFinite(n)) return { reason: 'notNumber' }
  if (n <= 0) return { reason: 'positive' }
  if (field.unit === 'days') {
    if (n > MAX_DAYS) return { reason: 'tooManyDays' }
    if (!Number.isInteger(n)) return { reason: 'wholeDays' }
  } else {
    if (n > MAX_HOURS) return { reason: 'tooManyHours' }
    if (Math.abs(n * 60 - Math.round(n * 60)) > 1e-9) return { reason: 'wholeMinutes' }
  }
  return { amount: { amount: n, unit: field.unit } }
}

/** The limits to send and the problems found, by the server's field names. */
export function formToLimits(form: LimitsForm): { limits: Limits; errors: Record<string, string> } {
  const errors: Record<string, string> = {}
  const limits: Limits = {}
  for (const s of STEPS) {
    const { amount, reason } = checkAmount(form.base[s])
    if (amount) limits[s] = amount
    else if (reason) errors[`limits.${s}.amount`] = reason
  }
  for (const o of form.overrides) {
    const steps: StepLimits = {}
    for (const s of STEPS) {
      if (o.steps[s].amount.trim() === '') continue
      const { amount, reason } = checkAmount(o.steps[s])
      if (amount) steps[s] = amount
      else if (reason) errors[`limits.levels.${o.level}.${s}.amount`] = reason
    }
    if (Object.keys(steps).length > 0) (limits.levels ??= {})[o.level] = steps
  }
  return { limits, errors }
}

/** Whether 0 < yellow < 1 and yellow < red ≤ 3, as the server requires. */
export function thresholdsOk(yellow: number, red: number): boolean {
  return yellow > 0 && yellow < 1 && red > 0 && red <= 3 && yellow < red
}

/** The limit a step has at a level: the level's override, else the default. */
export function limitAt(limits: Limits | undefined, step: Step, level?: RegionLevel): Amount | undefined {
  return (level && limits?.levels?.[level]?.[step]) || limits?.[step]
}
