import { createI18n } from 'vue-i18n'
import { setAcceptLanguage } from '../../api/client'
import en from './en'
import zhCN from './zh-CN'

const KEY = 'gridgov.worker.locale'

export const i18n = createI18n({
  legacy: false,
  locale: localStorage.getItem(KEY) === 'en' ? 'en' : 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
})

/**
 * Makes the page, and the requests of the shared API client (the sign-in),
 * follow the worker's language; the device's signed requests read it
 * themselves.
 */
export function applyLocale(): void {
  document.documentElement.lang = i18n.global.locale.value
  setAcceptLanguage(i18n.global.locale.value)
}

export function toggleLocale(): void {
  const next = i18n.global.locale.value === 'en' ? 'zh-CN' : 'en'
  i18n.global.locale.value = next
  localStorage.setItem(KEY, next)
  applyLocale()
}
