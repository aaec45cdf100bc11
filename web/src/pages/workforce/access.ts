// Who may keep the workforce; admin, center and leader read it.
import { computed, type ComputedRef } from 'vue'
import { WORKFORCE_MANAGE_ROLES } from '../../api/workforce'
import { currentUser } from '../../session'

/** Whether the signed-in user keeps workers and teams (the server checks again, by scope). */
export function useWorkforceManager(): ComputedRef<boolean> {
  return computed(() => {
    const role = currentUser.value?.role
    return role !== undefined && WORKFORCE_MANAGE_ROLES.includes(role)
  })
}
