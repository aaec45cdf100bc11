// Who may change the catalog; everyone on staff may read it.
import { computed, type ComputedRef } from 'vue'
import { CATALOG_ROLES } from '../../api/catalog'
import type { Role } from '../../api/types'
import { currentUser } from '../../session'

export function canManageCatalog(role: Role | undefined): boolean {
  return role !== undefined && CATALOG_ROLES.includes(role)
}

/** Whether the signed-in user keeps the catalog (the server checks again, by scope). */
export function useCatalogManager(): ComputedRef<boolean> {
  return computed(() => canManageCatalog(currentUser.value?.role))
}
