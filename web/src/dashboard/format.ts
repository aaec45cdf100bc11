// How the dashboards write their figures and colour the map.

/** A count with thousands separators; a dash for a figure that is missing. */
export function formatCount(n: number | null | undefined, locale = 'zh-CN'): string {
  return typeof n === 'number' && Number.isFinite(n) ? n.toLocaleString(locale) : '—'
}

/** A rate 0..1 as a percentage with one decimal; a dash when there was nothing to count. */
export function formatRate(r: number | null | undefined): string {
  return typeof r === 'number' && Number.isFinite(r) ? `${(r * 100).toFixed(1)}%` : '—'
}

export function formatFigure(value: number | null | undefined, rate: boolean, locale = 'zh-CN'): string {
  return rate ? formatRate(value) : formatCount(value, locale)
}

export type Trend = 'up' | 'down' | 'flat' | 'none'

/**
 * The change from an earlier period (环比 / 同比): for counts relative to the
 * earlier figure, for rates in percentage points. "none" when either is missing
 * or a count's earlier figure is 0.
 */
export function change(
  now: number | null | undefined,
  before: number | null | undefined,
  rate: boolean,
): { trend: Trend; text: string } {
  if (typeof now !== 'number' || typeof before !== 'number') return { trend: 'none', text: '—' }
  if (rate) {
    const pts = (now - before) * 100
    const trend: Trend = Math.abs(pts) < 0.05 ? 'flat' : pts > 0 ? 'up' : 'down'
    return { trend, text: `${pts > 0 ? '+' : ''}${pts.toFixed(1)}pt` }
  }
  if (before === 0) return { trend: now === 0 ? 'flat' : 'none', text: now === 0 ? '0%' : '—' }
  const pct = ((now - before) / before) * 100
  const trend: Trend = Math.abs(pct) < 0.05 ? 'flat' : pct > 0 ? 'up' : 'down'
  return { trend, text: `${pct > 0 ? '+' : ''}${pct.toFixed(1)}%` }
}

/** Colour ramps of the map, light to strong; one for the console, one for the dark screen. */
export const RAMPS = {
  light: ['#e8f3ff', '#cde4ff', '#a8cdfb', '#7fb3f5', '#5394ea', '#2f74d6', '#1857b8', '#0b3d8f'],
  dark: ['#0e3a5c', '#11557a', '#117196', '#168fab', '#2fadb5', '#5cc9b0', '#9ee09c', '#f0f07a'],
} as const

export const NO_DATA_COLOUR = { light: 'rgba(160, 160, 160, 0.25)', dark: 'rgba(120, 140, 160, 0.25)' } as const

/**
 * The class (0..classes-1) of each value on an even split of [min, max]; -1
 * for a missing value. All values equal fall in the middle class.
 */
export function classify(values: readonly (number | null | undefined)[], classes: number): (v: number | null | undefined) => number {
  const nums = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
  const min = nums.length ? Math.min(...nums) : 0
  const max = nums.length ? Math.max(...nums) : 0
  return (v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return -1
    if (max === min) return Math.floor(classes / 2)
    const k = Math.floor(((v - min) / (max - min)) * classes)
    return Math.min(classes - 1, Math.max(0, k))
  }
}

/** The smallest and largest of the values present, or null when none is. */
export function extent(values: readonly (number | null | undefined)[]): [number, number] | null {
  const nums = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
  return nums.length ? [Math.min(...nums), Math.max(...nums)] : null
}
