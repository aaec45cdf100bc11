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
