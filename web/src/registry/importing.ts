import type { Role } from '../api/types'

/** The roles that may import persons and houses from a file. */
export const IMPORT_ROLES: readonly Role[] = ['admin', 'center', 'worker']

export function canImportRegistry(role: Role | undefined): boolean {
  return role !== undefined && IMPORT_ROLES.includes(role)
}
