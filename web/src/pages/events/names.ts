// Names of categories and departments by code, asked once for the session,
// so that tables and details can show words where the events carry codes.
import { ref, shallowRef, type Ref, type ShallowRef } from 'vue'
import { fetchCategoryTree, flattenTree, getDepartment, type CategoryNode } from '../../api/catalog'
import { fetchMapConfig } from '../../api/regions'
import { categoryName } from '../../i18n/categoryName'
import type { MapConfig } from '../../api/types'

let tree: Promise<CategoryNode[]> | null = null
let config: Promise<MapConfig | null> | null = null
const departments = new Map<string, Promise<string>>()

/** The category tree, asked once; asked again next time if it failed. */
export function categoryTree(): Promise<CategoryNode[]> {
  tree ??= fetchCategoryTree().catch((err: unknown) => {
    tree = null
    throw err
  })
  return tree
}

/** A department's name, or '' when the server cannot tell (it is then asked again next time). */
export function departmentName(code: string): Promise<string> {
  let name = departments.get(code)
  if (!name) {
    name = getDepartment(code).then(
      (d) => d.name,
      () => {
        departments.delete(code)
        return ''
      },
    )
    departments.set(code, name)
  }
  return name
}

/** The map's configuration (base map, the caller's box), asked once; null when the server cannot say. */
export function mapConfig(): Promise<MapConfig | null> {
  config ??= fetchMapConfig().catch(() => {
    config = null
    return null
  })
  return config
}

/** Forgets everything (for tests). */
export function forgetNames(): void {
  tree = null
  config = null
  departments.clear()
}

export interface CategoryNames {
  tree: ShallowRef<CategoryNode[]>
  loaded: Ref<boolean>
  /** The category's name in the locale, or its code while (or if) it is not known. */
  name: (code: string, locale: string) => string
}

/** The category tree for a component, loaded on first use; names fall back to codes. */
export function useCategoryNames(): CategoryNames {
  const nodes = shallowRef<CategoryNode[]>([])
  const byCode = shallowRef(new Map<string, CategoryNode>())
  const loaded = ref(false)
  categoryTree().then(
    (t) => {
      nodes.value = t
      byCode.value = new Map(flattenTree(t).map((n) => [n.code, n]))
      loaded.value = true
    },
    () => {
      loaded.value = true
    },
  )
  return {
    tree: nodes,
    loaded,
    name: (code, locale) => {
      const n = byCode.value.get(code)
      return n ? categoryName(n, locale) : code
    },
  }
}
