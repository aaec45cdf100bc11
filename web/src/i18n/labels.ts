import { useI18n } from 'vue-i18n'
import type { Role, Scope, ScopeKind } from '../api/types'

/** Words for the values the API sends as codes. */
export function useLabels() {
  const { t } = useI18n()
  return {
    role: (role: Role): string => t(`roles.${role}`),
    scopeKind: (kind: ScopeKind): string => t(`scope.${kind}`),
    /** For example "行政区域 · 萨尔图区 (230602)"; just the kind for "all". */
    scope: (scope: Scope): string => {
      const kind = t(`scope.${scope.kind}`)
      if (scope.kind === 'all') return kind
      const place = [scope.name, scope.code && `(${scope.code})`].filter(Boolean).join(' ')
      return place ? `${kind} · ${place}` : kind
    },
  }
}
