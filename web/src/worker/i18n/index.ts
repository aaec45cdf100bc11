import { createI18n } from 'vue-i18n'
import en from './en'
import zhCN from './zh-CN'

const KEY = 'gridgov.worker.locale'

export const i18n = createI18n({
  legacy: false,
  locale: localStorage.getItem(KEY) === 'en' ? 'en' : 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
})

export function toggleLocale(): void {
  const next = i18n.global.locale.value === 'en' ? 'zh-CN' : 'en'
  i18n.global.locale.value = next
  localStorage.setItem(KEY, next)
  document.documentElement.lang = next
}
