// What the sampling page computes itself: rates as percentages, the month to
// start with, and a correction as a patch of only the fields that changed.
import type { House, HouseCorrection, Person, PersonPatch, SamplingProgress } from '../api/types'

/** "60.0%", or "—" when nothing was sampled. */
export function formatRate(rate: number | null | undefined, locale: string): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—'
  return new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(
    rate,
  )
}

/** The share of the sampled records checked so far, 0–100, for a progress bar. */
export function checkedPercent(p: SamplingProgress): number {
  return p.sampled > 0 ? Math.round((p.checked / p.sampled) * 100) : 0
}

/** The current month as YYYY-MM where the deployment is (China Standard Time), as the server's job counts months. */
export function currentMonth(now: Date = new Date(), timeZone = 'Asia/Shanghai'): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' }).formatToParts(now)
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  return `${get('year')}-${get('month')}`
}

/** The person fields a worker corrects in a check; the phone empty keeps the stored one. */
export interface PersonCorrectionForm {
  name: string
  phone: string
  residence_type: string
  household_no: string
  relation: string
}

export function personCorrectionForm(p: Person): PersonCorrectionForm {
  return {
    name: p.name,
    phone: '',
    residence_type: p.residence_type,
    household_no: p.household_no,
    relation: p.relation,
  }
}

/** The changed fields and the version read, or null when nothing changed. */
export function personCorrection(p: Person, form: PersonCorrectionForm): PersonPatch | null {
  const was = personCorrectionForm(p)
  const out: PersonPatch = { version: p.version }
  const name = form.name.trim()
  if (name !== was.name.trim()) out.name = name
  if (form.phone.trim()) out.phone = form.phone.trim()
  if (form.residence_type !== was.residence_type) out.residence_type = form.residence_type
  if (form.household_no.trim() !== was.household_no.trim()) out.household_no = form.household_no.trim()
  if (form.relation !== was.relation) out.relation = form.relation
  return Object.keys(out).length > 1 ? out : null
}

/** The house fields a worker corrects in a check; the floor area as typed. */
export interface HouseCorrectionForm {
  estate: string
  building: string
  unit: string
  room: string
  address: string
  usage: string
  structure: string
  floor_area_m2: string
}

export function houseCorrectionForm(h: House): HouseCorrectionForm {
  return {
    estate: h.estate,
    building: h.building,
    unit: h.unit,
    room: h.room,
    address: h.address,
    usage: h.usage,
    structure: h.structure,
    floor_area_m2: h.floor_area_m2 === undefined ? '' : String(h.floor_area_m2),
  }
}

/**
 * The changed fields and the version read, or null when nothing changed. A
 * floor area that is not a number is left out: check it first with floorAreaOk.
 */
export function houseCorrection(h: House, form: HouseCorrectionForm): HouseCorrection | null {
  const was = houseCorrectionForm(h)
  const out: HouseCorrection = { version: h.version }
  for (const key of ['estate', 'building', 'unit', 'room', 'address', 'structure'] as const) {
    if (form[key].trim() !== was[key].trim()) out[key] = form[key].trim()
  }
  if (form.usage !== was.usage) out.usage = form.usage
  const area = form.floor_area_m2.trim()
  if (area !== was.floor_area_m2 && area !== '' && Number.isFinite(Number(area))) out.floor_area_m2 = Number(area)
  return Object.keys(out).length > 1 ? out : null
}

/** Whether a typed floor area can be sent: empty (kept) or a number. */
export function floorAreaOk(typed: string): boolean {
  return typed.trim() === '' || Number.isFinite(Number(typed.trim()))
}

/**
 * The server names a correction's fields under the object that carried them
 * ("person.phone"): these are the reasons for one object's fields, by bare
 * name, for the inputs of the correction form.
 */
export function correctionErrors(errors: Record<string, string>, object: 'person' | 'house'): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [field, reason] of Object.entries(errors)) {
    if (field.startsWith(`${object}.`)) out[field.slice(object.length + 1)] = reason
  }
  return out
}
