// Words for states, actions and ratings, and the category tree as Vant's
// cascader wants it.
import { categoryName as nameIn } from '../i18n/categoryName'
import type { Category } from './api'

export interface CascaderOption {
  text: string
  value: string
  children?: CascaderOption[]
}

/** The active category tree as cascader options, in the user's language; groups without leaves are left out. */
export function categoryOptions(tree: Category[], locale: string): CascaderOption[] {
  const out: CascaderOption[] = []
  for (const c of tree) {
    const text = nameIn(c, locale)
    if (c.leaf) {
      out.push({ text, value: c.code })
      continue
    }
    const children = categoryOptions(c.children ?? [], locale)
    if (children.length > 0) out.push({ text, value: c.code, children })
  }
  return out
}

/** The name of a category code in the tree, or the code itself. */
export function categoryName(tree: Category[], code: string, locale: string): string {
  for (const c of tree) {
    if (c.code === code) return nameIn(c, locale)
    const found = categoryName(c.children ?? [], code, locale)
    if (found !== code) return found
  }
  return code
}

/** "2026-06-01 09:30" in the deployment's time zone (China Standard Time). */
export function formatTime(iso: string): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const cst = new Date(d.getTime() + 8 * 3600 * 1000)
  const two = (n: number) => String(n).padStart(2, '0')
  return `${cst.getUTCFullYear()}-${two(cst.getUTCMonth() + 1)}-${two(cst.getUTCDate())} ${two(cst.getUTCHours())}:${two(cst.getUTCMinutes())}`
}
