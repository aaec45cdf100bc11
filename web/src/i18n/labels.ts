import { useI18n } from 'vue-i18n'
import type { Role, Scope, ScopeKind } from '../api/types'

/** Words for the values the API sends as codes. */
export function useLabels() {
  const { t, te } = useI18n()
  /** The message for a code the console knows, or the code itself for one it does not. */
  const known = (prefix: string, code: string): string => (te(`${prefix}.${code}`) ? t(`${prefix}.${code}`) : code)
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
    /** 市, 区县, 街道/乡镇, 社区/村, 网格. */
    level: (level: string): string => known('regionLevels', level),
    /** 综合网格 or 专属网格. */
    gridKind: (kind: string): string => known('gridKinds', kind),
    /** 学校, 医院, …; an unknown subtype as sent. */
    subtype: (subtype: string): string => known('gridSubtypes', subtype),
    /** 警务网格, 调解网格, …; an unknown overlay layer as sent. */
    overlayLayer: (layer: string): string => known('overlayLayers', layer),
  }
}
