// Package auth holds accounts, roles, passwords, TOTP, sessions and login
// throttling: who the caller is and what their role and scope let them do.
package auth

import (
	"fmt"
	"slices"
)

// Role is what a user is allowed to do; the scope says where.
type Role string

const (
	RoleAdmin      Role = "admin"
	RoleCenter     Role = "center"
	RoleDepartment Role = "department"
	RoleWorker     Role = "worker"
	RoleLeader     Role = "leader"
	RoleResident   Role = "resident"
)

// Roles lists every role in display order.
var roles = []Role{RoleAdmin, RoleCenter, RoleDepartment, RoleWorker, RoleLeader, RoleResident}

// Roles returns every role.
func Roles() []Role { return slices.Clone(roles) }

// ParseRole accepts a role name.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !slices.Contains(roles, r) {
		return "", fmt.Errorf("unknown role %q (want one of admin, center, department, worker, leader, resident)", s)
	}
	return r, nil
}

// Staff reports whether the role belongs to government staff (everyone but
// residents), to whom the two-factor rules apply.
func (r Role) Staff() bool { return r != RoleResident }

// ScopeKind says what a role's scope refers to.
type ScopeKind string

const (
	ScopeAll        ScopeKind = "all"
	ScopeRegion     ScopeKind = "region"
	ScopeDepartment ScopeKind = "department"
)

// scopeRule says which scope a role takes: department users are scoped to a
// department, the others that work in the field to a region; admins may be
// deployment-wide or limited to a region.
func (r Role) scopeRule() (kind ScopeKind, required bool) {
	switch r {
	case RoleDepartment:
		return ScopeDepartment, true
	case RoleCenter, RoleWorker, RoleLeader:
		return ScopeRegion, true
	default:
		return ScopeRegion, false
	}
}

// Permission is a capability checked by handlers and services.
type Permission string

const (
	PermUsersManage   Permission = "users:manage"
	PermRegionsManage Permission = "regions:manage"
	PermRegionsRead   Permission = "regions:read"
	PermAuditRead     Permission = "audit:read"
	// The registry: reading and keeping person and house records, seeing
	// special-group tags, and revealing ID numbers and phones (audited).
	PermRegistryRead  Permission = "registry:read"
	PermRegistryWrite Permission = "registry:write"
	PermTagsRead      Permission = "registry:tags"
	PermPIIReveal     Permission = "pii:reveal"
	// The event catalog: departments, the category tree and routing rules.
	PermCatalogManage Permission = "catalog:manage"
	// Keys of API clients such as Open311 apps (deployment-wide admins only).
	PermAPIKeysManage Permission = "apikeys:manage"
	// The workforce: reading workers, teams, staffing and attendance
	// measures; keeping workers and teams, issuing enrolment codes,
	// approving device re-binding and recording leave.
	PermWorkforceRead   Permission = "workforce:read"
	PermWorkforceManage Permission = "workforce:manage"
	// The dashboards (big screen): aggregated figures of the caller's area.
	PermDashboardRead Permission = "dashboard:read"
	// Big-screen terminals (displays): listing and revoking those in the
	// caller's area.
	PermDisplaysManage Permission = "displays:manage"
)

var permissions = map[Role][]Permission{
	RoleAdmin: {PermUsersManage, PermRegionsManage, PermRegionsRead, PermAuditRead,
		PermRegistryRead, PermRegistryWrite, PermTagsRead, PermPIIReveal, PermCatalogManage, PermAPIKeysManage,
		PermWorkforceRead, PermWorkforceManage, PermDashboardRead, PermDisplaysManage},
	RoleCenter: {PermRegionsRead, PermRegistryRead, PermRegistryWrite, PermTagsRead, PermPIIReveal, PermCatalogManage,
		PermWorkforceRead, PermWorkforceManage, PermDashboardRead, PermDisplaysManage},
	RoleDepartment: {PermRegionsRead},
	RoleWorker:     {PermRegionsRead, PermRegistryRead, PermRegistryWrite, PermTagsRead},
	RoleLeader:     {PermRegionsRead, PermWorkforceRead, PermDashboardRead},
	RoleResident:   {},
}

// Can reports whether the role holds the permission.
func (r Role) Can(p Permission) bool { return slices.Contains(permissions[r], p) }
