package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/region"
)

// User is an account. Secrets (password hash, TOTP secret) stay unexported.
type User struct {
	ID                 int64
	Username           string
	DisplayName        string
	Role               Role
	ScopeRegion        string
	ScopeDepartment    string
	TOTPEnabled        bool
	MustChangePassword bool
	Disabled           bool
	CreatedAt          time.Time
	UpdatedAt          time.Time
	Version            int

	// Filled from the scope region when there is one.
	ScopeRegionName string
	scopePath       string

	passwordHash string
	totpSecret   []byte
	totpLastStep int64
}

// Scope returns the region subtree the user may see. Department users and
// residents see no region subtree through their account.
func (u User) Scope() region.Scope {
	switch {
	case u.ScopeRegion != "":
		return region.Under(u.scopePath)
	case u.Role == RoleAdmin:
		return region.All()
	default:
		return region.None()
	}
}

// ScopeKind says whether the user is scoped to everything, a region or a department.
func (u User) ScopeKind() ScopeKind {
	switch {
	case u.ScopeRegion != "":
		return ScopeRegion
	case u.ScopeDepartment != "":
		return ScopeDepartment
	default:
		return ScopeAll
	}
}

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{1,63}$`)

// NormalizeUsername lower-cases and trims, so "Admin" and "admin" are one account.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

var departmentCodePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// NewUser is the input for creating an account.
type NewUser struct {
	Username           string
	DisplayName        string
	Role               Role
	Scope              string // region code, or department code for the department role
	Password           string
	MustChangePassword bool
}

// validate checks the fields that need no database.
func (n *NewUser) validate() apperr.Fields {
	var fs apperr.Fields
	n.Username = NormalizeUsername(n.Username)
	n.DisplayName = strings.TrimSpace(n.DisplayName)
	n.Scope = strings.TrimSpace(n.Scope)
	if !usernamePattern.MatchString(n.Username) {
		fs.Add("username", "must be 2-64 characters: letters, digits, '.', '_', '@', '-', starting with a letter or digit")
	}
	if utf8.RuneCountInString(n.DisplayName) > 50 {
		fs.Add("display_name", "must be at most 50 characters")
	}
	if n.Role == "" {
		fs.Add("role", "is required")
	} else if _, err := ParseRole(string(n.Role)); err != nil {
		fs.Add("role", err.Error())
	} else {
		kind, required := n.Role.scopeRule()
		switch {
		case required && n.Scope == "":
			fs.Add("scope", fmt.Sprintf("a %s account needs a %s code", n.Role, kind))
		case kind == ScopeDepartment && n.Scope != "" && !departmentCodePattern.MatchString(n.Scope):
			fs.Add("scope", "a department code is 1-32 letters, digits, '_' or '-'")
		case n.Role == RoleResident && n.Scope != "":
			fs.Add("scope", "resident accounts are not scoped to a region")
		}
	}
	if reason := ValidatePassword(n.Password, n.Username); reason != "" {
		fs.Add("password", reason)
	}
	return fs
}

const userColumns = `u.id, u.username, u.display_name, u.password_hash, u.role, COALESCE(u.scope_region, ''),
	COALESCE(u.scope_department, ''), u.totp_secret, u.totp_enabled, u.totp_last_step, u.must_change_password,
	u.disabled, u.created_at, u.updated_at, u.version, COALESCE(r.path, ''), COALESCE(r.name, '')`

const userFrom = ` FROM users u LEFT JOIN regions r ON r.code = u.scope_region`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	var role string
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &u.passwordHash, &role, &u.ScopeRegion,
		&u.ScopeDepartment, &u.totpSecret, &u.TOTPEnabled, &u.totpLastStep, &u.MustChangePassword,
		&u.Disabled, &u.CreatedAt, &u.UpdatedAt, &u.Version, &u.scopePath, &u.ScopeRegionName)
	u.Role = Role(role)
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return u, err
}

// withLeading scans a row whose first columns go to dest before the rest.
type withLeading struct {
	row  *sql.Row
	dest []any
}

func (w withLeading) Scan(dest ...any) error { return w.row.Scan(append(w.dest, dest...)...) }

func getUser(ctx context.Context, q db.Querier, where string, arg any) (User, error) {
	return userFromRow(q.QueryRowContext(ctx, `SELECT `+userColumns+userFrom+` WHERE `+where, arg))
}

// userByID reads a user by id through a statement prepared once on the
// read pool: every request's session comes here.
func (s *Service) userByID(ctx context.Context, id int64) (User, error) {
	st, err := s.db.ReadStmt(ctx, `SELECT `+userColumns+userFrom+` WHERE u.id = $1`)
	if err != nil {
		return User{}, fmt.Errorf("load user: %w", err)
	}
	return userFromRow(st.QueryRowContext(ctx, id))
}

func userFromRow(row *sql.Row) (User, error) {
	u, err := scanUser(row)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, apperr.New(apperr.NotFound, "user not found")
	}
	if err != nil {
		return User{}, fmt.Errorf("load user: %w", err)
	}
	return u, nil
}

// UserFilter narrows ListUsers.
type UserFilter struct {
	Role    Role
	AfterID int64
	Limit   int
}

// TestUserScopedTo returns u scoped to the region with this path, for tests
// of other packages that need a scoped principal without a database.
func TestUserScopedTo(u User, path string) User {
	codes := strings.Split(strings.Trim(path, "/"), "/")
	u.ScopeRegion, u.scopePath = codes[len(codes)-1], path
	return u
}
