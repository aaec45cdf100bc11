// A category's name in the reader's language: the API sends both names of a
// category (name in Chinese, name_en in English), and every screen that
// shows a category picks between them here.
import { useI18n } from 'vue-i18n'

/** What a category carries of its names; name_en may be missing or empty. */
export interface CategoryNamed {
  name: string
  name_en?: string | null
}

/** True for English locales ('en', 'en-US', …). */
export function isEnglish(locale: string): boolean {
  return locale === 'en' || locale.startsWith('en-')
}

/** The English name when the locale is English and there is one, else the Chinese name. */
export function categoryName(c: CategoryNamed, locale: string): string {
  const en = c.name_en?.trim()
  return isEnglish(locale) && en ? en : c.name
}

/** categoryName in the current locale of the component's i18n. */
export function useCategoryName(): (c: CategoryNamed) => string {
  const { locale } = useI18n()
  return (c) => categoryName(c, locale.value)
}
