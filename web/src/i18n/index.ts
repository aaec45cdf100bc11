import { createI18n } from 'vue-i18n'
import { setAcceptLanguage } from '../api/client'
import en from './locales/en'
import zhCN, { type MessageSchema } from './locales/zh-CN'

/** The languages the console speaks, each named in itself. */
export const LOCALES = [
  { code: 'zh-CN', label: '简体中文' },
  { code: 'en', label: 'English' },
] as const

export type Locale = (typeof LOCALES)[number]['code']

export const DEFAULT_LOCALE: Locale = 'zh-CN'

export const LOCALE_STORAGE_KEY = 'gridgov.locale'

function isLocale(value: unknown): value is Locale {
  return LOCALES.some((l) => l.code === value)
}

function storedLocale(): Locale {
  const stored = localStorage.getItem(LOCALE_STORAGE_KEY)
  return isLocale(stored) ? stored : DEFAULT_LOCALE
}

export const messages: Record<Locale, MessageSchema> = { 'zh-CN': zhCN, en }

export const i18n = createI18n({
  legacy: false,
  locale: storedLocale(),
  fallbackLocale: DEFAULT_LOCALE,
  messages,
})

/** Makes the page, and the requests it sends, follow the current language. */
export function applyLocale(): void {
  const locale = i18n.global.locale.value
  document.documentElement.lang = locale
  document.title = i18n.global.t('app.name')
  setAcceptLanguage(locale)
}

/** Switches the language and remembers the choice for the next visit. */
export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  localStorage.setItem(LOCALE_STORAGE_KEY, locale)
  applyLocale()
}
