// Mainland China mobile numbers, as the server accepts them
// (internal/resident NormalizePhone): eleven digits starting 13-19, written
// with spaces or dashes and an optional +86 or 86 in front.

const MOBILE = /^1[3-9]\d{9}$/

/** The eleven digits of a mobile number, or '' when it is not one. */
export function normalizePhone(input: string): string {
  let n = input.trim().replace(/[\s\-\u00a0]/g, '')
  if (n.startsWith('+86')) n = n.slice(3)
  else if (n.length === 13 && n.startsWith('86')) n = n.slice(2)
  return MOBILE.test(n) ? n : ''
}

export function isValidPhone(input: string): boolean {
  return normalizePhone(input) !== ''
}

/** "138****5678" for a valid number; anything else unchanged. */
export function maskPhone(input: string): string {
  const n = normalizePhone(input)
  return n ? `${n.slice(0, 3)}****${n.slice(7)}` : input
}
