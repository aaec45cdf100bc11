export const ROLES = ['admin', 'center', 'department', 'worker', 'leader', 'resident'] as const

export type Role = (typeof ROLES)[number]

export const SCOPE_KINDS = ['all', 'region', 'department'] as const

export type ScopeKind = (typeof SCOPE_KINDS)[number]

/** The part of the city a user may see; code and name are empty for kind "all". */
export interface Scope {
  kind: ScopeKind
  code: string
  name: string
}

/** The signed-in user, as GET /api/v1/me returns it. */
export interface Me {
  id: number
  username: string
  display_name: string
  role: Role
  scope: Scope
  totp_enabled: boolean
  must_change_password: boolean
  /** The role requires TOTP and the user has not enrolled yet. */
  restricted: boolean
  csrf_token: string
  /** Set when this browser is a big-screen terminal: it may only show the dashboards of this region. */
  display?: { id: number; name: string; region: { code: string; name: string } }
}

export interface LoginRequest {
  username: string
  password: string
  otp?: string
}

export interface LoginResponse {
  token: string
  csrf_token: string
  user: Me
}

export interface PasswordChange {
  current_password: string
  new_password: string
}

export interface TotpEnrollment {
  secret: string
  otpauth_url: string
}

/** The roles that work in the console, as opposed to residents. */
export const STAFF_ROLES: readonly Role[] = ['admin', 'center', 'department', 'worker', 'leader']

// --- Regions and the grid map ----------------------------------------------

export const REGION_LEVELS = ['city', 'county', 'township', 'village', 'grid'] as const

export type RegionLevel = (typeof REGION_LEVELS)[number]

export const GRID_KINDS = ['comprehensive', 'exclusive'] as const

/** Comprehensive grids together cover all land; exclusive ones are drawn for one unit. */
export type GridKind = (typeof GRID_KINDS)[number]

/** Subtypes of exclusive grids the console names; the server accepts others too. */
export const GRID_SUBTYPES = [
  'school',
  'hospital',
  'enterprise',
  'industrial_park',
  'market',
  'government',
  'scenic_area',
  'construction_site',
] as const

/** Overlay networks the console names (多网合一); the server accepts others too. */
export const OVERLAY_LAYERS = ['police', 'mediation'] as const

/** [minLng, minLat, maxLng, maxLat] in WGS-84. */
export type BBox = [number, number, number, number]

/** One node of the region tree, as GET /api/v1/regions lists it. */
export interface Region {
  code: string
  name: string
  level: RegionLevel
  parent_code?: string
  path: string
  kind?: GridKind
  subtype?: string
  valid_from: string
  valid_to?: string
  version: number
}

/** A region named by code, name and level: one step of a chain from the city down. */
export interface RegionRef {
  code: string
  name: string
  level: RegionLevel
}

export interface RegionOverlay {
  layer: string
  code: string
  name: string
  /** The part of the region's area the overlay covers, 0..1. */
  share: number
}

export interface Station {
  code: string
  name: string
  address: string
  opening_hours: string
  lng: number
  lat: number
}

/** GET /api/v1/regions/{code}. */
export interface RegionDetail extends Region {
  /** Absent (or null) while the region has no boundary drawn. */
  bbox?: BBox | null
  area_m2?: number | null
  chain: RegionRef[]
  overlays: RegionOverlay[]
  stations: Station[]
}

/** A GeoJSON geometry (RFC 7946), WGS-84 lng/lat. */
export interface GeoJSONGeometry {
  type: string
  coordinates?: unknown
  geometries?: GeoJSONGeometry[]
}

export interface GeoJSONFeature {
  type: 'Feature'
  geometry: GeoJSONGeometry | null
  properties?: Record<string, unknown> | null
  id?: string | number
}

/** GET /api/v1/map/config. */
export interface MapConfig {
  /** An XYZ tile URL template for a base map, or empty for none. */
  base_map_url: string
  /** The caller's scope, or null when there is nothing drawn yet. */
  bbox: BBox | null
  /** Changes whenever the map data changes; tiles are fetched anew for a new one. */
  version?: number | string
}

export interface OverlayRef {
  code: string
  name: string
}

export interface NearestStation {
  code: string
  name: string
  address: string
  opening_hours: string
  distance_m: number
  lng: number
  lat: number
}

/** GET /api/v1/locate: what lies at one point. */
export interface LocateResult {
  /** WGS-84; the server may send it as [lng, lat], which api/regions.ts turns into this. */
  point: { lng: number; lat: number }
  /** Whether the deepest region found lies in the caller's scope. */
  in_scope?: boolean
  chain: RegionRef[]
  grid: { code: string; name: string; kind: GridKind; subtype?: string } | null
  overlays: { police?: OverlayRef[]; mediation?: OverlayRef[]; [layer: string]: OverlayRef[] | undefined }
  nearest_station: NearestStation | null
}

export interface CoverageOverlap {
  a: string
  b: string
  area_m2: number
  geometry: GeoJSONGeometry | null
}

export interface CoverageOutside {
  code: string
  area_m2: number
  geometry: GeoJSONGeometry | null
}

/** How well one parent's children cover it. */
export interface CoverageParent {
  code: string
  name: string
  level: RegionLevel
  /** How many children the parent has. */
  children?: number
  area_m2: number
  covered_share: number
  gap_area_m2: number
  overlap_area_m2: number
  gaps: GeoJSONGeometry | null
  overlaps: CoverageOverlap[]
  outside: CoverageOutside[]
  /** Children with no boundary drawn, which the check had to leave out. */
  undrawn?: string[] | null
}

/** GET /api/v1/regions/{code}/check. */
export interface CoverageReport {
  code: string
  name: string
  parents: CoverageParent[]
  invalid: { code: string; problems: string[] }[]
  summary: {
    parents: number
    with_gaps: number
    with_overlaps: number
    with_outside?: number
    invalid: number
    total_gap_area_m2: number
    total_overlap_area_m2: number
  }
}

export const IMPORT_CRS = ['wgs84', 'gcj02'] as const

export type ImportCrs = (typeof IMPORT_CRS)[number]

/** The form of POST /api/v1/regions/import. */
export interface RegionImport {
  file: Blob
  /** The file's name, sent with the part. */
  fileName: string
  crs: ImportCrs
  level?: RegionLevel
  parent?: string
  partial: boolean
}

export interface RegionImportResult {
  created: number
  updated: number
  unchanged: number
  rejected: { index: number; code: string; reason: string }[]
  /**
   * Whether anything was written: false when the import was not partial and
   * some feature was rejected (the server then answers 422 with this body).
   */
  stored: boolean
}

// --- The registry (人房) -----------------------------------------------------

/** The roles that read and keep the registry. */
export const REGISTRY_ROLES: readonly Role[] = ['admin', 'center', 'worker']

/** The roles that may reveal ID numbers and phones (pii:reveal); each reveal is audited. */
export const REVEAL_ROLES: readonly Role[] = ['admin', 'center']

/** Special groups (特殊人群) and key persons (重点人员). */
export const PERSON_TAGS = [
  'elderly_alone',
  'empty_nest',
  'widowed_childless',
  'disabled',
  'low_income',
  'left_behind_child',
  'key_mental_disorder',
  'key_drug_rehab',
  'key_community_correction',
  'key_released_prisoner',
  'key_petitioner',
] as const

export type PersonTag = (typeof PERSON_TAGS)[number]

/** Groups the server derives from the data (the birth date), never typed in. */
export const PERSON_GROUPS = ['aged_60_plus', 'aged_80_plus', 'minor'] as const

export const RESIDENCE_TYPES = ['registered', 'resident', 'floating', 'foreign'] as const

export type ResidenceType = (typeof RESIDENCE_TYPES)[number]

/** A person's relation to the head of the household. */
export const HOUSEHOLD_RELATIONS = [
  'head',
  'spouse',
  'child',
  'parent',
  'grandchild',
  'grandparent',
  'sibling',
  'in_law',
  'other',
] as const

export type HouseholdRelation = (typeof HOUSEHOLD_RELATIONS)[number]

/** How a person is tied to a house. */
export const HOUSE_LINKS = ['lives', 'owns', 'rents'] as const

export type HouseLinkRelation = (typeof HOUSE_LINKS)[number]

export const HOUSE_USAGES = ['self_occupied', 'rented', 'vacant', 'commercial', 'mixed', 'other'] as const

export type HouseUsage = (typeof HOUSE_USAGES)[number]

export const SEXES = ['male', 'female'] as const

/** resident: 18-character ID; legacy15: old 15-digit ID; residence_permit: 港澳台居民居住证. */
export const ID_KINDS = ['resident', 'legacy15', 'residence_permit'] as const

export interface HouseLink {
  house_code: string
  relation: string
}

export interface PersonTagEntry {
  tag: string
  /** YYYY-MM-DD */
  since?: string
  until?: string
}

/**
 * A person as the API shows it. id_number and phone are masked
 * ("230602********1234", "138****5678") unless revealed is true.
 */
export interface Person {
  id: number
  name: string
  id_number: string
  id_kind: string
  birth_date: string
  age: number
  sex: string
  phone: string
  residence_type: string
  household_no: string
  relation: string
  grid_code: string
  houses: HouseLink[]
  /** Absent for roles that may not see special-group tags, and when there are none. */
  tags?: PersonTagEntry[]
  groups: string[]
  revealed: boolean
  /** While revealed: when the reveal ends (RFC 3339). */
  reveal_expires_at?: string
  version: number
}

/** The body of POST /api/v1/persons/search; ID number and phone travel only here, never in a URL. */
export interface PersonSearch {
  id_number?: string
  phone?: string
  /** A prefix of the name. */
  name?: string
  house_code?: string
  tag?: string
  age_min?: number
  age_max?: number
  residence_type?: string
  /** A region code narrowing the caller's scope; the whole scope when absent. */
  region?: string
  after?: number
  limit?: number
}

/** One page of a list; next_after continues it when there may be more. */
export interface Page<T> {
  items: T[]
  next_after?: number
}

/** The body of POST /api/v1/persons: created, or updated when the ID number is known. */
export interface PersonInput {
  name: string
  id_number: string
  phone: string
  residence_type: string
  household_no: string
  relation: string
  /** When absent the grid of the house the person lives at. */
  grid_code?: string
  houses: HouseLink[]
  tags: PersonTagEntry[]
}

/**
 * The body of PATCH /api/v1/persons/{id}: only the fields that change, and
 * the version they change. The ID number never changes, so it is never sent.
 */
export type PersonPatch = Partial<Omit<PersonInput, 'id_number'>> & { version: number }

/** What POST /api/v1/registry/import/{persons|houses} can import. */
export const REGISTRY_IMPORT_KINDS = ['persons', 'houses'] as const
export type RegistryImportKind = (typeof REGISTRY_IMPORT_KINDS)[number]

export const IMPORT_ENCODINGS = ['auto', 'utf-8', 'gbk'] as const
export type ImportEncoding = (typeof IMPORT_ENCODINGS)[number]

/** A row of an import file the server turned down; row counts from the file's first data row as the server says. */
export interface ImportRejection {
  row: number
  column: string
  value: string
  reason: string
}

/** The answer to an import (200, or 422 when rows were rejected). */
export interface RegistryImportResult {
  rows: number
  created: number
  updated: number
  unchanged: number
  rejected: ImportRejection[]
  /** Whether anything was written: false when all-or-nothing met a rejected row. */
  stored: boolean
  /** Names a downloadable report of the rejected rows. */
  error_report?: string
}

export interface House {
  id: number
  code: string
  estate: string
  building: string
  unit: string
  room: string
  address: string
  /** [lng, lat] in WGS-84. */
  location?: [number, number]
  grid_code: string
  usage: string
  structure: string
  floor_area_m2?: number
  version: number
}

/** GET /api/v1/houses/{code}: the house and the persons linked to it (masked). */
export interface HouseDetail extends House {
  occupants: Person[]
}

export interface HouseQuery {
  region?: string
  usage?: string
  after?: number
  limit?: number
}

/** The body of POST /api/v1/houses: created, or updated when the code is known. */
export interface HouseInput {
  house_code: string
  estate: string
  building: string
  unit: string
  room: string
  address: string
  lng?: number
  lat?: number
  crs?: ImportCrs
  /** When absent, the server places a house that has a location in its grid. */
  grid_code?: string
  usage: string
  structure: string
  floor_area_m2?: number
}

/** What a save did: created (201) or updated an existing record (200). */
export interface Saved<T> {
  item: T
  created: boolean
}

// --- Sampling checks (抽检) ----------------------------------------------------

/** The roles that start sampling rounds (the governance center and admins). */
export const SAMPLING_START_ROLES: readonly Role[] = ['admin', 'center']

export const SAMPLE_RESULTS = ['correct', 'incorrect'] as const
export type SampleResult = (typeof SAMPLE_RESULTS)[number]

export const SAMPLE_RECORD_TYPES = ['person', 'house'] as const
export type SampleRecordType = (typeof SAMPLE_RECORD_TYPES)[number]

/**
 * How far the checks of a round have come under one region. accuracy is
 * correct ÷ sampled (an unchecked record counts against it until confirmed);
 * null when nothing was sampled.
 */
export interface SamplingProgress {
  sampled: number
  checked: number
  correct: number
  accuracy: number | null
}

/** A month's sampling round over a region; the counts are of the caller's scope. */
export interface SamplingRound extends SamplingProgress {
  id: number
  /** YYYY-MM */
  month: string
  region_code: string
  region_name: string
  per_grid: number
  /** The draw's seed: the same month, region and seed draw the same records. */
  seed: number
  created_at: string
}

/** The body of POST /api/v1/sampling/rounds. */
export interface SamplingStart {
  month: string
  region_code: string
  per_grid: number
  seed?: number
}

export interface SamplingRoundQuery {
  month?: string
  region?: string
  /** Continues a list (newest first) after the round with this id. */
  before?: number
  limit?: number
}

/** GET /api/v1/sampling/rounds/{id}/accuracy: the region first, then its children. */
export interface SamplingAccuracy extends SamplingProgress {
  code: string
  name: string
  level: RegionLevel
}

/** One record a worker confirms or corrects. */
export interface SamplingItem {
  id: number
  round_id: number
  month: string
  record_type: SampleRecordType
  record_id: number
  /** A person's name, or a house's code. */
  record_label: string
  /** A person's masked ID number, or a house's address. */
  record_detail: string
  grid_code: string
  grid_name: string
  assigned_to: number | null
  status: 'pending' | SampleResult
  note: string
  /** The fields a correction changed. */
  corrected: string[]
  version: number
}

export interface SamplingItemQuery {
  round?: number
  /** Only the items assigned to the caller. */
  mine?: boolean
  after?: number
  limit?: number
}

/** GET /api/v1/sampling/items/{id}: the item and its record as it stands (masked). */
export interface SamplingItemDetail extends SamplingItem {
  person?: Person
  house?: House
}

/** The house fields a correction may change, each optional, and the version read. */
export type HouseCorrection = Partial<Omit<HouseInput, 'house_code'>> & { version: number }

/** The body of POST /api/v1/sampling/items/{id}. */
export interface SampleCheck {
  result: SampleResult
  note?: string
  /** For an incorrect person: the fields of PATCH /api/v1/persons/{id}. */
  person?: PersonPatch
  house?: HouseCorrection
}
