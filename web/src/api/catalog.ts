// The event catalog: departments, the category tree with its time limits, and
// the routing rules that send a category in a region to a lead department.
import { request } from './client'
import type { RegionLevel, Role } from './types'

const base = '/api/v1'
const seg = encodeURIComponent

/** The roles that keep the catalog (catalog:manage); others only read it. */
export const CATALOG_ROLES: readonly Role[] = ['admin', 'center']

/** A page of a list with its total, as the catalog endpoints answer. */
export interface NumberedPage<T> {
  items: T[]
  total: number
  page: number
  page_size: number
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== '') q.set(k, String(v))
  }
  const s = q.toString()
  return s ? `?${s}` : ''
}

// --- Departments -------------------------------------------------------------

export const DEPARTMENT_LEVELS = ['city', 'county', 'township'] as const

export type DepartmentLevel = (typeof DEPARTMENT_LEVELS)[number]

export interface Department {
  code: string
  name: string
  level: DepartmentLevel
  region_code: string
  region_name?: string
  region_path: string
  parent_code?: string
  active: boolean
  created_at: string
  updated_at: string
  version: number
}

export interface DepartmentQuery {
  q?: string
  region?: string
  level?: DepartmentLevel
  parent?: string
  active?: boolean
  page?: number
  page_size?: number
}

export interface DepartmentInput {
  code: string
  name: string
  region_code: string
  parent_code?: string
}

export interface DepartmentPatch {
  version: number
  name?: string
  /** An empty string removes the parent. */
  parent_code?: string
  active?: boolean
}

export function listDepartments(q: DepartmentQuery = {}): Promise<NumberedPage<Department>> {
  return request('GET', `${base}/departments${query({ ...q })}`)
}

export function getDepartment(code: string): Promise<Department> {
  return request('GET', `${base}/departments/${seg(code)}`)
}

export function createDepartment(input: DepartmentInput): Promise<Department> {
  return request('POST', `${base}/departments`, input)
}

export function updateDepartment(code: string, patch: DepartmentPatch): Promise<Department> {
  return request('PATCH', `${base}/departments/${seg(code)}`, patch)
}

// --- Categories --------------------------------------------------------------

/** The timed steps of the event loop, in the order an event passes them. */
export const STEPS = ['receive', 'register', 'dispatch', 'handle', 'verify'] as const

export type Step = (typeof STEPS)[number]

/** Limits count working hours or working days against the holiday calendar. */
export const UNITS = ['hours', 'days'] as const

export type Unit = (typeof UNITS)[number]

export interface Amount {
  amount: number
  unit: Unit
}

export type StepLimits = Partial<Record<Step, Amount>>

/** Every step at the base, and overrides for events handled at a level. */
export interface Limits extends StepLimits {
  levels?: Partial<Record<RegionLevel, StepLimits>>
}

export const URGENCIES = ['normal', 'urgent', 'emergency'] as const

export type Urgency = (typeof URGENCIES)[number]

export interface Category {
  code: string
  parent_code?: string
  name: string
  name_en: string
  keywords: string[]
  sort: number
  /** Leaves are what events are filed under; groups only hold children. */
  leaf: boolean
  registration_standard?: string
  closing_standard?: string
  default_urgency?: Urgency
  limits?: Limits
  yellow_at: number
  red_at: number
  /** Events under a private category concern a person: the public sees only their category, status and dates. */
  private: boolean
  active: boolean
  created_at: string
  updated_at: string
  version: number
}

export interface CategoryNode extends Category {
  children?: CategoryNode[]
}

export interface CategoryInput {
  code: string
  parent_code?: string
  name: string
  name_en: string
  keywords?: string[]
  sort?: number
  leaf: boolean
  registration_standard?: string
  closing_standard?: string
  default_urgency?: Urgency
  limits?: Limits
  yellow_at?: number
  red_at?: number
  private?: boolean
}

export interface CategoryPatch {
  version: number
  name?: string
  name_en?: string
  keywords?: string[]
  sort?: number
  registration_standard?: string
  closing_standard?: string
  default_urgency?: Urgency
  limits?: Limits
  yellow_at?: number
  red_at?: number
  private?: boolean
  /** false retires the category and everything under it. */
  active?: boolean
}

/** The tree as the caller sees it: inactive categories only for those who keep the catalog. */
export async function fetchCategoryTree(): Promise<CategoryNode[]> {
  const { items } = await request<{ items: CategoryNode[] }>('GET', `${base}/categories`)
  return items
}

export function createCategory(input: CategoryInput): Promise<Category> {
  return request('POST', `${base}/categories`, input)
}

export function updateCategory(code: string, patch: CategoryPatch): Promise<Category> {
  return request('PATCH', `${base}/categories/${seg(code)}`, patch)
}

/** Every node of a tree, depth first. */
export function flattenTree(nodes: CategoryNode[]): CategoryNode[] {
  return nodes.flatMap((n) => [n, ...flattenTree(n.children ?? [])])
}

// --- Routing rules -----------------------------------------------------------

export interface RoutingRule {
  id: number
  category_code: string
  region_code: string
  region_name?: string
  region_path: string
  lead_department: string
  lead_name?: string
  assisting: string[]
  assisting_names: string[]
  note: string
  created_at: string
  updated_at: string
  version: number
}

export interface RuleQuery {
  category?: string
  region?: string
  department?: string
  page?: number
  page_size?: number
}

export interface RuleInput {
  category_code: string
  region_code: string
  lead_department: string
  assisting?: string[]
  note?: string
}

export interface RulePatch {
  version: number
  category_code?: string
  region_code?: string
  lead_department?: string
  assisting?: string[]
  note?: string
}

export interface Resolution {
  matched: boolean
  category: string
  region_code: string
  region_path: string
  rule?: RoutingRule
  lead?: Department
  assisting: Department[]
}

export function listRules(q: RuleQuery = {}): Promise<NumberedPage<RoutingRule>> {
  return request('GET', `${base}/routing-rules${query({ ...q })}`)
}

export function createRule(input: RuleInput): Promise<RoutingRule> {
  return request('POST', `${base}/routing-rules`, input)
}

export function updateRule(id: number, patch: RulePatch): Promise<RoutingRule> {
  return request('PATCH', `${base}/routing-rules/${id}`, patch)
}

/** Deletes the rule at the version the caller read; a newer one is a conflict. */
export function deleteRule(id: number, version: number): Promise<void> {
  return request('DELETE', `${base}/routing-rules/${id}${query({ version })}`)
}

/** Where an event of the category in the region would go. */
export function resolveRoute(category: string, region: string): Promise<Resolution> {
  return request('GET', `${base}/routing-rules/resolve${query({ category, region })}`)
}
