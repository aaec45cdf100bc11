// Masking in the browser, as the server masks: used only to hide numbers
// again when a reveal has run out before the server has been asked anew.
import type { Person } from '../api/types'

function hideAllBut(value: string, keep: number): string {
  const chars = [...value]
  const shown = Math.min(keep, chars.length)
  return '*'.repeat(chars.length - shown) + chars.slice(chars.length - shown).join('')
}

/** "230602********1234" for 18 characters, "230602*****1234" for an old 15-digit ID. */
export function maskIdNumber(number: string): string {
  const chars = [...number.trim().toUpperCase()]
  if (chars.length === 18) return `${chars.slice(0, 6).join('')}${'*'.repeat(8)}${chars.slice(14).join('')}`
  if (chars.length === 15) return `${chars.slice(0, 6).join('')}${'*'.repeat(5)}${chars.slice(11).join('')}`
  return hideAllBut(chars.join(''), 2)
}

/**
 * "138****5678" for a mobile, "0459-***4567" for a landline, "400-***-4567"
 * for a service number (numbers in the server's normalised form); anything
 * else hidden but its last 4 characters.
 */
export function maskPhone(phone: string): string {
  const p = phone.trim()
  if (p === '') return ''
  if (/^1\d{10}$/.test(p)) return `${p.slice(0, 3)}****${p.slice(7)}`
  const landline = /^(0\d{2,3}-)(\d{5,})$/.exec(p)
  if (landline) return landline[1]! + hideAllBut(landline[2]!, 4)
  if (/^[48]00-\d{3}-\d{4}$/.test(p)) return `${p.slice(0, 4)}***${p.slice(7)}`
  return hideAllBut(p, 4)
}

/** Whether a masked number looks masked, i.e. hides something. */
export function isMasked(value: string): boolean {
  return value.includes('*')
}

/** The person with the numbers hidden and no reveal. */
export function maskPerson(p: Person): Person {
  const { reveal_expires_at: _expires, ...rest } = p
  return {
    ...rest,
    id_number: isMasked(p.id_number) ? p.id_number : maskIdNumber(p.id_number),
    phone: p.phone === '' || isMasked(p.phone) ? p.phone : maskPhone(p.phone),
    revealed: false,
  }
}

/**
 * Whether a full ID number typed into the form is the one behind a masked
 * number: same first six and last four characters, same length.
 */
export function matchesMasked(typed: string, masked: string): boolean {
  if (!isMasked(masked)) return typed.trim().toUpperCase() === masked.trim().toUpperCase()
  return maskIdNumber(typed) === masked.toUpperCase()
}
