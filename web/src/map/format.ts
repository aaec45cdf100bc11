// Numbers shown on the map page, written the way the user's locale writes them.

function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  return new Intl.NumberFormat(locale, options)
}

/** "1,234,568 m²": whole square metres with the locale's grouping. */
export function formatArea(m2: number | null | undefined, locale: string): string {
  if (m2 === null || m2 === undefined || !Number.isFinite(m2)) return '—'
  return `${numberFormat(locale, { maximumFractionDigits: 0 }).format(m2)} m²`
}

/** Closer to 1 than this is the rounding error of a full cover, not a gap. */
const FULL_COVER_EPSILON = 1e-9

/**
 * "99.95%": a share 0..1 as a percentage with up to two decimals. A share
 * short of 1 never reads "100%" (a region 99.996% covered still has a gap),
 * unless it is short only by floating-point noise.
 */
export function formatShare(share: number | null | undefined, locale: string): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '—'
  let value = share
  if (value < 1 && 1 - value < FULL_COVER_EPSILON) value = 1
  else if (value < 1 && Math.round(value * 10_000) >= 10_000) value = 0.9999
  return numberFormat(locale, { style: 'percent', maximumFractionDigits: 2 }).format(value)
}

/** "850 m" below a kilometre, "1.2 km" from there. */
export function formatDistance(metres: number | null | undefined, locale: string): string {
  if (metres === null || metres === undefined || !Number.isFinite(metres)) return '—'
  if (metres < 1000) return `${numberFormat(locale, { maximumFractionDigits: 0 }).format(metres)} m`
  return `${numberFormat(locale, { maximumFractionDigits: 1 }).format(metres / 1000)} km`
}

/** A date-time from the API as a local date, e.g. "2026/3/1" or "3/1/2026". */
export function formatDate(iso: string | null | undefined, locale: string): string {
  if (!iso) return '—'
  const at = new Date(iso)
  if (Number.isNaN(at.getTime())) return iso
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: '2-digit', day: '2-digit' }).format(at)
}
