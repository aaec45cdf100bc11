// What the panels share: links of figures for the signed-in user, and words
// for the codes in the figures.
import { useRouter, type RouteLocationRaw } from 'vue-router'
import { useI18n } from 'vue-i18n'
import { formatTime } from '../pages/events/format'
import { useEventLabels } from '../pages/events/labels'
import { categoryName, type CategoryNamed } from '../i18n/categoryName'
import { useLabels } from '../i18n/labels'
import { currentUser } from '../session'
import { figureLink, type FigureTarget } from './links'
import { formatCount, formatRate } from './format'

export function useFigureLinks(): (target: FigureTarget) => RouteLocationRaw | null {
  const router = useRouter()
  return (target) => figureLink(router, currentUser.value, target)
}

export function useFigureWords() {
  const { t, te, locale } = useI18n()
  const labels = useLabels()
  const events = useEventLabels()
  const known = (prefix: string, code: string): string => (te(`${prefix}.${code}`) ? t(`${prefix}.${code}`) : code)
  return {
    t,
    count: (n: number | null | undefined) => formatCount(n, locale.value),
    rate: formatRate,
    time: (iso: string | null | undefined) => formatTime(iso, locale.value),
    locale,
    measure: (m: string) => known('dashboard.measures', m),
    ageBand: (b: string) => known('dashboard.ageBands', b),
    total: (m: string) => known('dashboard.totals', m),
    rateName: (r: string) => known('dashboard.rates', r),
    colour: (c: string) => known('dashboard.colours', c),
    tag: labels.personTag,
    residence: labels.residenceType,
    usage: labels.houseUsage,
    level: labels.level,
    state: events.state,
    source: events.source,
    /** A category's name in the user's language. */
    category: (c: CategoryNamed) => categoryName(c, locale.value),
  }
}
