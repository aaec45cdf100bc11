// How a house is named in lists: estate, then building-unit-room.
import type { House } from '../api/types'

/** "友谊小区 3-2-101": the estate and the parts of the house number that are known. */
export function houseLabel(h: Pick<House, 'estate' | 'building' | 'unit' | 'room'>): string {
  const number = [h.building, h.unit, h.room].map((s) => s.trim()).filter(Boolean).join('-')
  return [h.estate.trim(), number].filter(Boolean).join(' ')
}

/** "124.901234, 46.501234", or '' without a location. */
export function formatLocation(location: [number, number] | null | undefined): string {
  if (!location) return ''
  return `${location[0].toFixed(6)}, ${location[1].toFixed(6)}`
}
