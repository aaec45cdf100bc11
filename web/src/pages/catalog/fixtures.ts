// Example answers of the catalog endpoints, for the tests of these pages.
import type { Category, CategoryNode, Department, Limits, NumberedPage, RoutingRule } from '../../api/catalog'

export function makeDepartment(overrides: Partial<Department> = {}): Department {
  return {
    code: '230602-urban',
    name: '萨尔图区城市管理综合执法局',
    level: 'county',
    region_code: '230602',
    region_name: '萨尔图区',
    region_path: '/230600/230602/',
    parent_code: '230600-urban',
    active: true,
    created_at: '2026-06-01T01:00:00Z',
    updated_at: '2026-06-01T01:00:00Z',
    version: 1,
    ...overrides,
  }
}

export function pageOf<T>(items: T[], total = items.length, page = 1): NumberedPage<T> {
  return { items, total, page, page_size: 20 }
}

export const garbageLimits: Limits = {
  receive: { amount: 0.5, unit: 'hours' },
  register: { amount: 0.5, unit: 'hours' },
  dispatch: { amount: 0.5, unit: 'hours' },
  handle: { amount: 4, unit: 'hours' },
  verify: { amount: 0.5, unit: 'hours' },
}

export function makeCategory(overrides: Partial<Category> = {}): Category {
  return {
    code: 'city_appearance.exposed_garbage',
    parent_code: 'city_appearance',
    name: '暴露垃圾',
    name_en: 'Exposed garbage',
    keywords: ['垃圾', '堆积'],
    sort: 10,
    leaf: true,
    registration_standard: '公共区域有暴露垃圾',
    closing_standard: '垃圾已清运',
    default_urgency: 'normal',
    limits: structuredClone(garbageLimits),
    yellow_at: 0.8,
    red_at: 1,
    private: false,
    active: true,
    created_at: '2026-06-01T01:00:00Z',
    updated_at: '2026-06-01T01:00:00Z',
    version: 1,
    ...overrides,
  }
}

/** Two groups, each name in Chinese and English: city appearance with two leaves, and safety with one. */
export function makeTree(): CategoryNode[] {
  const group = (code: string, name: string, nameEn: string, children: CategoryNode[]): CategoryNode => ({
    ...makeCategory({ code, parent_code: undefined, name, name_en: nameEn, leaf: false, keywords: [], limits: undefined }),
    registration_standard: undefined,
    closing_standard: undefined,
    default_urgency: undefined,
    children,
  })
  return [
    group('city_appearance', '市容环境', 'City appearance', [
      makeCategory(),
      makeCategory({ code: 'city_appearance.road_damage', name: '道路破损', name_en: 'Road damage', sort: 20 }),
    ]),
    group('safety', '安全隐患', 'Safety hazards', [
      makeCategory({ code: 'safety.gas', parent_code: 'safety', name: '燃气安全隐患', name_en: 'Gas hazard', default_urgency: 'emergency' }),
    ]),
  ]
}

export function makeRule(overrides: Partial<RoutingRule> = {}): RoutingRule {
  return {
    id: 7,
    category_code: 'city_appearance',
    region_code: '230602',
    region_name: '萨尔图区',
    region_path: '/230600/230602/',
    lead_department: '230602-urban',
    lead_name: '萨尔图区城市管理综合执法局',
    assisting: ['230602-police'],
    assisting_names: ['萨尔图区公安分局'],
    note: '区级',
    created_at: '2026-06-01T01:00:00Z',
    updated_at: '2026-06-01T01:00:00Z',
    version: 2,
    ...overrides,
  }
}
