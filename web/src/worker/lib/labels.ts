// Words for what the app keeps as codes: event states, and the labels of
// drafts, which are stored as message keys and rendered in the language
// the worker reads them in.
import en from '../i18n/en'
import zhCN from '../i18n/zh-CN'
import type { Draft } from './store'

type T = (key: string, params?: Record<string, unknown>) => string
type Te = (key: string) => boolean

/** The message keys a draft's label may name. */
export const LABEL_KEYS = ['act.feedback', 'act.selfHandle'] as const
export type LabelKey = (typeof LABEL_KEYS)[number]

/** The name of an event state, or the code itself for one the app does not know. */
export function stateName(state: string, t: T, te: Te): string {
  return te(`states.${state}`) ? t(`states.${state}`) : state
}

/**
 * Drafts saved before labels were keys hold the words of the language they
 * were made in; these are the words they may begin with.
 */
const LEGACY: [string, string][] = [
  [zhCN.home.checkIn, ''],
  [en.home.checkIn, ''],
  [zhCN.home.checkOut, ''],
  [en.home.checkOut, ''],
  [zhCN.patrol.start, ''],
  [en.patrol.start, ''],
  [zhCN.patrol.finish, ''],
  [en.patrol.finish, ''],
  [zhCN.act.feedback, 'act.feedback'],
  [en.act.feedback, 'act.feedback'],
  [zhCN.act.selfHandle, 'act.selfHandle'],
  [en.act.selfHandle, 'act.selfHandle'],
]

/** What the sync list says of a draft: its kind, then what it is about, in the current language. */
export function draftTitle(d: Pick<Draft, 'kind' | 'label' | 'labelKey'>, t: T): string {
  let key: string | undefined = d.labelKey
  let text = d.label
  if (key === undefined) {
    for (const [words, k] of LEGACY) {
      if (text === words || text.startsWith(`${words} · `)) {
        key = k || undefined
        text = text.slice(words.length).replace(/^ · /, '')
        break
      }
    }
  }
  return [t(`sync.kinds.${d.kind}`), key ? t(key) : '', text].filter(Boolean).join(' · ')
}
