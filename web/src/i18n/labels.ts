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
    /** 独居老人, 低保户, 社区矫正对象, …; an unknown tag as sent. */
    personTag: (tag: string): string => known('personTags', tag),
    /** 60岁以上, 未成年, …: groups the server derives. */
    personGroup: (group: string): string => known('personGroups', group),
    /** 户籍, 常住, 流动, 境外. */
    residenceType: (type: string): string => known('residenceTypes', type),
    /** 户主, 配偶, 子女, … */
    householdRelation: (relation: string): string => known('householdRelations', relation),
    /** 居住, 产权, 租住: how a person is tied to a house. */
    houseLink: (relation: string): string => known('houseLinks', relation),
    /** 自住, 出租, 空置, … */
    houseUsage: (usage: string): string => known('houseUsages', usage),
    /** 人员 or 房屋: what a sampled record is. */
    sampleRecordType: (type: string): string => known('sampling.recordTypes', type),
    sex: (sex: string): string => known('sexes', sex),
    idKind: (kind: string): string => known('idKinds', kind),
  }
}
