// 网格力量: grid workers, the 1+1+N teams of the grids, device enrolment and
// re-binding, leave, attendance and staffing, all under /api/v1/workforce.
// Phones come back masked; a clear phone is only ever sent in a JSON body.
import { request } from './client'
import type { Page, RegionLevel, Role } from './types'

const base = '/api/v1/workforce'
const seg = encodeURIComponent

/** The roles that read the workforce (workforce:read). */
export const WORKFORCE_ROLES: readonly Role[] = ['admin', 'center', 'leader']
/** The roles that keep it (workforce:manage); the server checks the scope again. */
export const WORKFORCE_MANAGE_ROLES: readonly Role[] = ['admin', 'center']

export const EMPLOYMENTS = ['full_time', 'part_time'] as const
export type Employment = (typeof EMPLOYMENTS)[number]

export const TEAM_ROLES = ['police', 'department_staff', 'mediator', 'volunteer'] as const
export type TeamRole = (typeof TEAM_ROLES)[number]

export interface GridAssignment {
  grid_code: string
  grid_name?: string
  primary: boolean
  grid_chief: boolean
}

export interface DeviceView {
  device_id: string
  bound_at: string
}

export interface Schedule {
  days: number[]
  start: string
  end: string
}

export interface Worker {
  id: number
  name: string
  /** Masked, as 138****5678; empty when none is on record. */
  phone: string
  user_id: number | null
  employment: Employment
  hire_date: string
  active: boolean
  primary_grid: string
  grids: GridAssignment[]
  schedule: Schedule | null
  device: DeviceView | null
  created_at: string
  updated_at: string
  version: number
}

export interface WorkerInput {
  name: string
  phone?: string
  user_id?: number | null
  employment: Employment
  hire_date: string
  grids: GridAssignment[]
  schedule?: Schedule | null
}

/** Absent fields stay as they are; user_id 0 unlinks the account; grids replaces every grid. */
export interface WorkerPatch {
  version: number
  name?: string
  phone?: string
  user_id?: number
  employment?: Employment
  hire_date?: string
  active?: boolean
  grids?: GridAssignment[]
  schedule?: Schedule
}

export interface WorkerQuery {
  region?: string
  grid?: string
  employment?: Employment
  active?: boolean
  after?: number
  limit?: number
}

export interface Enrolment {
  code: string
  worker_id: number
  purpose: string
  expires_at: string
}

export const REBIND_STATUSES = ['pending', 'approved', 'rejected'] as const

export interface RebindRequest {
  id: number
  worker_id: number
  worker_name: string
  reason: string
  status: string
  requested_by: number
  requested_at: string
  decided_by?: number
  decided_at?: string
  decision_note?: string
}

export interface RebindDecision {
  request: RebindRequest
  /** The new enrolment code, on approval: shown once. */
  enrolment?: Enrolment
}

export interface Leave {
  id: number
  worker_id: number
  kind: string
  from: string
  to: string
  note: string
  created_by: number
  created_at: string
  cancelled: boolean
}

export interface LeaveInput {
  kind: string
  from: string
  to?: string
  note?: string
}

export interface TeamWorker {
  worker_id: number
  name: string
  phone: string
  employment: Employment
  grid_chief: boolean
  primary: boolean
}

export interface TeamMember {
  id: number
  grid_code: string
  role: TeamRole
  name: string
  phone: string
  department_code?: string
  note?: string
  version: number
}

export interface MemberInput {
  version?: number
  role: TeamRole
  name: string
  phone?: string
  department_code?: string
  note?: string
}

export interface Team {
  grid_code: string
  grid_name: string
  workers: TeamWorker[]
  members: TeamMember[]
  complete: boolean
  /** What the team lacks: "worker", "police". */
  missing: string[] | null
}

export interface Tally {
  scheduled_days: number
  leave_days: number
  attended_days: number
  late_days: number
  rate: number | null
}

export interface AttendanceSummary {
  region: string
  name: string
  level: RegionLevel
  from: string
  to: string
  workers: number
  tally: Tally
  children?: AttendanceSummary[]
}

export interface DayAttendance {
  date: string
  status: string
  check_in?: string
  check_out?: string
  late?: boolean
  early?: boolean
}

export interface WorkerAttendance {
  worker_id: number
  name: string
  primary_grid: string
  employment: Employment
  from: string
  to: string
  tally: Tally
  days?: DayAttendance[]
}

export interface WorkerAttendancePage {
  from: string
  to: string
  items: WorkerAttendance[]
  next_after?: number
}

export interface Staffing {
  region: string
  name: string
  level: RegionLevel
  grids: number
  staffed_grids: number
  unstaffed_grids: number
  workers: number
  full_time_workers: number
  staffing_rate: number | null
  full_time_rate: number | null
  children?: Staffing[]
}

export interface GridRef {
  code: string
  name: string
}

export interface GridPage {
  items: GridRef[]
  next_after?: string
}

/** A month (2026-06) or a day (2026-06-03); the server takes the current month when both are empty. */
export interface Period {
  month?: string
  date?: string
}

type Params = Record<string, string | number | boolean | undefined>

function query(params: Params): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== '') q.set(k, String(v))
  }
  const s = q.toString()
  return s ? `?${s}` : ''
}

// --- Workers -----------------------------------------------------------------

export function listWorkers(q: WorkerQuery = {}): Promise<Page<Worker>> {
  return request('GET', `${base}/workers${query({ ...q })}`)
}

export function getWorker(id: number): Promise<Worker> {
  return request('GET', `${base}/workers/${id}`)
}

export function createWorker(input: WorkerInput): Promise<Worker> {
  return request('POST', `${base}/workers`, input)
}

export function updateWorker(id: number, patch: WorkerPatch): Promise<Worker> {
  return request('PATCH', `${base}/workers/${id}`, patch)
}

/** Deletes a worker entered by mistake; one with a device on record is deactivated instead (409). */
export async function deleteWorker(id: number, version: number): Promise<void> {
  await request('DELETE', `${base}/workers/${id}${query({ version })}`)
}

/** A one-time code that binds the worker's phone; shown once, valid until expires_at. */
export function issueEnrolment(workerId: number): Promise<Enrolment> {
  return request('POST', `${base}/workers/${workerId}/enrolments`)
}

export function requestRebind(workerId: number, reason: string): Promise<RebindRequest> {
  return request('POST', `${base}/workers/${workerId}/rebind-requests`, { reason })
}

export async function listRebinds(q: { status?: string; region?: string } = {}): Promise<RebindRequest[]> {
  const { items } = await request<{ items: RebindRequest[] | null }>('GET', `${base}/rebind-requests${query(q)}`)
  return items ?? []
}

export function decideRebind(id: number, approve: boolean, note = ''): Promise<RebindDecision> {
  return request('POST', `${base}/rebind-requests/${id}/${approve ? 'approve' : 'reject'}`, { note })
}

// --- Leave -------------------------------------------------------------------

export async function listLeave(workerId: number): Promise<Leave[]> {
  const { items } = await request<{ items: Leave[] | null }>('GET', `${base}/workers/${workerId}/leave`)
  return items ?? []
}

export function addLeave(workerId: number, input: LeaveInput): Promise<Leave> {
  return request('POST', `${base}/workers/${workerId}/leave`, input)
}

export function cancelLeave(id: number): Promise<Leave> {
  return request('DELETE', `${base}/leave/${id}`)
}

// --- Teams -------------------------------------------------------------------

export function getTeam(grid: string): Promise<Team> {
  return request('GET', `${base}/teams/${seg(grid)}`)
}

export function addTeamMember(grid: string, input: MemberInput): Promise<TeamMember> {
  return request('POST', `${base}/teams/${seg(grid)}/members`, input)
}

/** Replaces a member's fields; version is the one read. */
export function updateTeamMember(id: number, input: MemberInput & { version: number }): Promise<TeamMember> {
  return request('PATCH', `${base}/team-members/${id}`, input)
}

export async function removeTeamMember(id: number, version: number): Promise<void> {
  await request('DELETE', `${base}/team-members/${id}${query({ version })}`)
}

// --- Attendance and staffing -------------------------------------------------

export function workerAttendance(workerId: number, period: Period = {}): Promise<WorkerAttendance> {
  return request('GET', `${base}/workers/${workerId}/attendance${query({ ...period })}`)
}

export function attendanceRates(region = '', period: Period = {}): Promise<AttendanceSummary> {
  return request('GET', `${base}/attendance${query({ region, ...period })}`)
}

export function attendanceByWorker(
  q: { region?: string; after?: number; limit?: number } & Period = {},
): Promise<WorkerAttendancePage> {
  return request('GET', `${base}/attendance/workers${query({ ...q })}`)
}

export function staffing(region = ''): Promise<Staffing> {
  return request('GET', `${base}/staffing${query({ region })}`)
}

export function unstaffedGrids(q: { region?: string; after?: string; limit?: number } = {}): Promise<GridPage> {
  return request('GET', `${base}/staffing/unstaffed${query({ ...q })}`)
}

/** A rate (0..1) as a percentage with one decimal, or "—" when there is nothing to count. */
export function formatRate(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)}%`
}
