// Package department keeps the departments (职能部门) that handle events and
// the routing rules that choose, for an event's category and place, the lead
// department and the assisting ones; Route answers that choice from memory
// on every event intake.
package department

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/memcopy"
	"github.com/gridgov/gridgov/internal/region"
)

// Department is a government unit that handles events. It belongs to a
// city, county or township; Level is that region's level.
type Department struct {
	Code       string       `json:"code"`
	Name       string       `json:"name"`
	Level      region.Level `json:"level"`
	RegionCode string       `json:"region_code"`
	RegionName string       `json:"region_name,omitempty"`
	RegionPath string       `json:"region_path"`
	// ParentCode is the department this one reports to (a county's police
	// bureau for a police station), if any.
	ParentCode string    `json:"parent_code,omitempty"`
	Active     bool      `json:"active"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	Version    int       `json:"version"`
}

// Categories is what rules need of the category tree: whether a code exists.
type Categories interface {
	Known(ctx context.Context, code string) (bool, error)
}

// Service keeps departments and routing rules.
type Service struct {
	db    *db.DB
	cats  Categories
	now   func() time.Time
	rules *memcopy.Copy[routes]
}

// NewService returns the department service; now is the clock.
func NewService(d *db.DB, cats Categories, log *slog.Logger, now func() time.Time) *Service {
	s := &Service{db: d, cats: cats, now: now}
	s.rules = memcopy.New("routing rules", log, s.routingVersion, s.loadRoutes)
	return s
}

// codePattern is the one auth accepts for accounts scoped to a department.
var codePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// Page is one page of a list and the total number of matches.
type Page[T any] struct {
	Items    []T `json:"items"`
	Total    int `json:"total"`
	Page     int `json:"page"`
	PageSize int `json:"page_size"`
}

const maxPageSize = 500

func pageOf(page, size int) (int, int) {
	if page < 1 {
		page = 1
	}
	if size < 1 {
		size = 50
	}
	return page, min(size, maxPageSize)
}

// view is what a caller may read: their region subtree and the regions
// above it, since a township works with the county's and the city's bureaus
// and is routed by their rules.
type view struct {
	scope region.Scope
	above []string // paths of the regions above the scope's root
}

func (v view) sees(path string) bool { return v.scope.Contains(path) || slices.Contains(v.above, path) }

// filter adds the view's condition on a region_path column to a query.
func (v view) filter(q *query, column string) {
	lo, hi := v.scope.Range()
	var parts []string
	if lo != "" {
		parts = append(parts, fmt.Sprintf("(%s >= %s AND %s < %s)", column, q.arg(lo), column, q.arg(hi)))
	}
	for _, a := range v.above {
		parts = append(parts, column+" = "+q.arg(a))
	}
	if len(parts) == 0 {
		parts = []string{"1 = 0"}
	}
	q.where("(" + strings.Join(parts, " OR ") + ")")
}

func abovePaths(path string) []string {
	var out []string
	for i := 1; i < len(path)-1; i++ {
		if path[i] == '/' {
			out = append(out, path[:i+1])
		}
	}
	return out
}

// viewOf is the caller's view: staff only; department accounts see from
// their department's region.
func (s *Service) viewOf(ctx context.Context, p auth.Principal) (view, error) {
	return viewFor(ctx, s.db.Read(), p)
}

// viewFor is the caller's view read through q.
func viewFor(ctx context.Context, q db.Querier, p auth.Principal) (view, error) {
	if !p.User.Role.Staff() {
		return view{}, apperr.New(apperr.Forbidden, "only staff may read departments and routing rules")
	}
	scope := p.User.Scope()
	if p.User.ScopeKind() == auth.ScopeDepartment {
		var path string
		err := q.QueryRowContext(ctx, `SELECT region_path FROM departments WHERE code = $1`, p.User.ScopeDepartment).Scan(&path)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			scope = region.None()
		case err != nil:
			return view{}, fmt.Errorf("department of %s: %w", p.User.Username, err)
		default:
			scope = region.Under(path)
		}
	}
	v := view{scope: scope}
	if !scope.IsAll() && scope.Path() != "" {
		v.above = abovePaths(scope.Path())
	}
	return v, nil
}

// requireManage checks the permission to keep the catalog; the scope check
// is per object.
func requireManage(p auth.Principal) error {
	if !p.Can(auth.PermCatalogManage) {
		return apperr.New(apperr.Forbidden, "you may not change departments or routing rules")
	}
	return nil
}

// query builds a statement with $n placeholders.
type query struct {
	conds []string
	args  []any
}

func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return fmt.Sprintf("$%d", len(q.args))
}

func (q *query) where(cond string) { q.conds = append(q.conds, cond) }

func (q *query) clause() string {
	if len(q.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(q.conds, " AND ")
}

const deptColumns = `d.code, d.name, d.level, d.region_code, COALESCE(r.name, ''), d.region_path, COALESCE(d.parent_code, ''),
	d.active, d.created_at, d.updated_at, d.version`

const deptFrom = ` FROM departments d LEFT JOIN regions r ON r.code = d.region_code`

func scanDept(row interface{ Scan(...any) error }) (Department, error) {
	var d Department
	err := row.Scan(&d.Code, &d.Name, &d.Level, &d.RegionCode, &d.RegionName, &d.RegionPath, &d.ParentCode,
		&d.Active, &d.CreatedAt, &d.UpdatedAt, &d.Version)
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return d, err
}

func getDept(ctx context.Context, q db.Querier, code string) (Department, error) {
	d, err := scanDept(q.QueryRowContext(ctx, `SELECT `+deptColumns+deptFrom+` WHERE d.code = $1`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return Department{}, apperr.New(apperr.NotFound, "department %s not found", code)
	}
	if err != nil {
		return Department{}, fmt.Errorf("load department %s: %w", code, err)
	}
	return d, nil
}

// Query filters List.
type Query struct {
	// Q matches part of the code or the name.
	Q string
	// Region narrows to the departments of a region's subtree.
	Region string
	Level  region.Level
	Parent string
	Active *bool
	Page   int
	// PageSize is at most 500; 0 means 50.
	PageSize int
}

// List returns a page of the departments the caller may see, ordered by
// region (city first) and code.
func (s *Service) List(ctx context.Context, p auth.Principal, in Query) (Page[Department], error) {
	v, err := s.viewOf(ctx, p)
	if err != nil {
		return Page[Department]{}, err
	}
	page, size := pageOf(in.Page, in.PageSize)
	out := Page[Department]{Items: []Department{}, Page: page, PageSize: size}
	var q query
	v.filter(&q, "d.region_path")
	if in.Region != "" {
		r, err := region.Lookup(ctx, s.db.Read(), in.Region)
		if err != nil || !v.sees(r.Path) {
			return out, apperr.Field("region", fmt.Sprintf("region %s not found", in.Region))
		}
		lo, hi := region.Under(r.Path).Range()
		q.where(fmt.Sprintf("d.region_path >= %s AND d.region_path < %s", q.arg(lo), q.arg(hi)))
	}
	if t := strings.TrimSpace(in.Q); t != "" {
		like := "%" + db.Like(t) + "%"
		q.where(fmt.Sprintf(`(d.code LIKE %s ESCAPE '\' OR d.name LIKE %s ESCAPE '\')`, q.arg(like), q.arg(like)))
	}
	if in.Level != 0 {
		q.where("d.level = " + q.arg(int(in.Level)))
	}
	if in.Parent != "" {
		q.where("d.parent_code = " + q.arg(in.Parent))
	}
	if in.Active != nil {
		q.where("d.active = " + q.arg(*in.Active))
	}
	if err := s.db.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM departments d`+q.clause(), q.args...).Scan(&out.Total); err != nil {
		return out, fmt.Errorf("count departments: %w", err)
	}
	limit, offset := q.arg(size), q.arg((page-1)*size)
	rows, err := s.db.Read().QueryContext(ctx, `SELECT `+deptColumns+deptFrom+q.clause()+
		` ORDER BY d.region_path, d.code LIMIT `+limit+` OFFSET `+offset, q.args...)
	if err != nil {
		return out, fmt.Errorf("list departments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		d, err := scanDept(rows)
		if err != nil {
			return out, fmt.Errorf("list departments: %w", err)
		}
		out.Items = append(out.Items, d)
	}
	return out, rows.Err()
}

// Get returns a department the caller may see; others are not found.
func (s *Service) Get(ctx context.Context, p auth.Principal, code string) (Department, error) {
	return Visible(ctx, s.db.Read(), p, code)
}

// Visible returns a department p may name (dispatch an event to, make a
// parent, put in a routing rule), read through q so that a write asks
// inside its own transaction. The rule is Get's: a department of the
// caller's region or below, or of a region above it (a township center
// works with the county's and the city's bureaus), never one of another
// county or township, which is not found exactly as one that does not
// exist.
func Visible(ctx context.Context, q db.Querier, p auth.Principal, code string) (Department, error) {
	v, err := viewFor(ctx, q, p)
	if err != nil {
		return Department{}, err
	}
	d, err := getDept(ctx, q, code)
	if err == nil && !v.sees(d.RegionPath) {
		err = apperr.New(apperr.NotFound, "department %s not found", code)
	}
	return d, err
}

// Create adds a department in a region inside the caller's scope. Its level
// is its region's; a parent must serve a region that contains it.
func (s *Service) Create(ctx context.Context, p auth.Principal, d Department) (Department, error) {
	if err := requireManage(p); err != nil {
		return Department{}, err
	}
	v, err := s.viewOf(ctx, p)
	if err != nil {
		return Department{}, err
	}
	now := audit.Canonical(s.now())
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		d, err = s.createTx(ctx, tx, p, v, d, now)
		return err
	})
	if err != nil {
		return Department{}, err
	}
	return d, nil
}

func (s *Service) createTx(ctx context.Context, tx *sql.Tx, p auth.Principal, v view, d Department, now time.Time) (Department, error) {
	d.Code, d.Name = strings.TrimSpace(d.Code), strings.TrimSpace(d.Name)
	d.RegionCode, d.ParentCode = strings.TrimSpace(d.RegionCode), strings.TrimSpace(d.ParentCode)
	d.Active = true
	var fs apperr.Fields
	if !codePattern.MatchString(d.Code) {
		fs.Add("code", "must be 1-32 letters, digits, '_' or '-'")
	}
	checkName(&fs, d.Name)
	s.placeInRegion(ctx, tx, v.scope, &d, &fs)
	if d.ParentCode != "" && d.RegionPath != "" {
		if err := s.checkParent(ctx, tx, v, d, &fs); err != nil {
			return d, err
		}
	}
	if err := fs.Err(); err != nil {
		return d, err
	}
	var parent any
	if d.ParentCode != "" {
		parent = d.ParentCode
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO departments (code, name, level, region_code, region_path, parent_code, active,
		created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, 1)`,
		d.Code, d.Name, int(d.Level), d.RegionCode, d.RegionPath, parent, true, now)
	if db.IsUniqueViolation(err) {
		return d, &apperr.Error{Code: apperr.Conflict, Message: "department already exists",
			Fields: []apperr.FieldError{{Field: "code", Reason: fmt.Sprintf("department %s already exists", d.Code)}}}
	}
	if err != nil {
		return d, fmt.Errorf("insert department %s: %w", d.Code, err)
	}
	d.CreatedAt, d.UpdatedAt, d.Version = now, now, 1
	_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "department.create", TargetType: "department",
		TargetID: d.Code, Detail: map[string]any{"name": d.Name, "region_code": d.RegionCode, "parent_code": d.ParentCode}})
	return d, err
}

func checkName(fs *apperr.Fields, name string) {
	switch {
	case name == "":
		fs.Add("name", "must not be empty")
	case utf8.RuneCountInString(name) > 100:
		fs.Add("name", "must be at most 100 characters")
	case strings.ContainsAny(name, "\x00\r\n\t"):
		fs.Add("name", "must be a single line")
	}
}

// placeInRegion fills the region's name, path and level, which must be a
// city, county or township inside the scope.
func (s *Service) placeInRegion(ctx context.Context, tx *sql.Tx, scope region.Scope, d *Department, fs *apperr.Fields) {
	if d.RegionCode == "" {
		fs.Add("region_code", "is required")
		return
	}
	r, err := region.Lookup(ctx, tx, d.RegionCode)
	if err != nil || !scope.Contains(r.Path) {
		fs.Add("region_code", fmt.Sprintf("region %s not found", d.RegionCode))
		return
	}
	if r.Level > region.Township {
		fs.Add("region_code", fmt.Sprintf("a department belongs to a city, county or township; %s is a %s", r.Code, r.Level))
		return
	}
	if d.Level != 0 && d.Level != r.Level {
		fs.Add("level", fmt.Sprintf("must be the region's level (%s)", r.Level))
	}
	d.Level, d.RegionName, d.RegionPath = r.Level, r.Name, r.Path
}

// checkParent checks that the parent exists where the caller can see it, is
// active, serves a region containing d's, and is not d or below d.
func (s *Service) checkParent(ctx context.Context, tx *sql.Tx, v view, d Department, fs *apperr.Fields) error {
	parent, err := getDept(ctx, tx, d.ParentCode)
	if apperr.Is(err, apperr.NotFound) || (err == nil && !v.sees(parent.RegionPath)) {
		fs.Add("parent_code", fmt.Sprintf("department %s not found", d.ParentCode))
		return nil
	}
	if err != nil {
		return err
	}
	switch {
	case !parent.Active:
		fs.Add("parent_code", fmt.Sprintf("department %s is inactive", parent.Code))
	case !strings.HasPrefix(d.RegionPath, parent.RegionPath):
		fs.Add("parent_code", fmt.Sprintf("department %s serves %s, which does not contain %s", parent.Code, parent.RegionName, d.RegionName))
	}
	// Walk up from the parent: meeting d again would make a cycle.
	for code, steps := parent.Code, 0; code != "" && steps < 64; steps++ {
		if code == d.Code {
			fs.Add("parent_code", fmt.Sprintf("department %s is below %s; that would make a cycle", parent.Code, d.Code))
			break
		}
		var up sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT parent_code FROM departments WHERE code = $1`, code).Scan(&up); err != nil {
			return fmt.Errorf("parents of %s: %w", d.Code, err)
		}
		code = up.String
	}
	return nil
}

// Patch changes a department; nil fields stay as they are. Code and region
// never change. Version is the version the caller read.
type Patch struct {
	Version int
	Name    *string
	// ParentCode "" removes the parent.
	ParentCode *string
	// Active false deactivates, which is refused while routing rules name the department.
	Active *bool
}

// Update applies a patch to a department in the caller's scope, auditing the
// names of the fields it changed. A stale version is a conflict.
func (s *Service) Update(ctx context.Context, p auth.Principal, code string, patch Patch) (Department, error) {
	if err := requireManage(p); err != nil {
		return Department{}, err
	}
	v, err := s.viewOf(ctx, p)
	if err != nil {
		return Department{}, err
	}
	if patch.Version <= 0 {
		return Department{}, apperr.Field("version", "is required: the version you read")
	}
	var out Department
	now := audit.Canonical(s.now())
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		old, err := getDept(ctx, tx, code)
		if err != nil {
			return err
		}
		if err := canManage(v, old.RegionPath, "department "+code); err != nil {
			return err
		}
		if old.Version != patch.Version {
			return stale("department", patch.Version, old.Version)
		}
		d := old
		if patch.Name != nil {
			d.Name = strings.TrimSpace(*patch.Name)
		}
		if patch.ParentCode != nil {
			d.ParentCode = strings.TrimSpace(*patch.ParentCode)
		}
		if patch.Active != nil {
			d.Active = *patch.Active
		}
		var fs apperr.Fields
		checkName(&fs, d.Name)
		if d.ParentCode != "" && d.ParentCode != old.ParentCode {
			if err := s.checkParent(ctx, tx, v, d, &fs); err != nil {
				return err
			}
		}
		if old.Active && !d.Active {
			n, err := rulesNaming(ctx, tx, code)
			if err != nil {
				return err
			}
			if n > 0 {
				return &apperr.Error{Code: apperr.Conflict, Message: "the department is still routed to",
					Fields: []apperr.FieldError{{Field: "active", Reason: fmt.Sprintf("%d routing rules name department %s; change them first", n, code)}}}
			}
		}
		if err := fs.Err(); err != nil {
			return err
		}
		var changed []string
		for _, c := range []struct {
			name   string
			differ bool
		}{{"name", d.Name != old.Name}, {"parent_code", d.ParentCode != old.ParentCode}, {"active", d.Active != old.Active}} {
			if c.differ {
				changed = append(changed, c.name)
			}
		}
		out = d
		if len(changed) == 0 {
			return nil
		}
		var parent any
		if d.ParentCode != "" {
			parent = d.ParentCode
		}
		res, err := tx.ExecContext(ctx, `UPDATE departments SET name = $1, parent_code = $2, active = $3, updated_at = $4,
			version = version + 1 WHERE code = $5 AND version = $6`, d.Name, parent, d.Active, now, code, old.Version)
		if err != nil {
			return fmt.Errorf("update department %s: %w", code, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return stale("department", patch.Version, old.Version+1)
		}
		out.Version, out.UpdatedAt = old.Version+1, now
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "department.update", TargetType: "department",
			TargetID: code, Detail: map[string]any{"changed": changed}})
		return err
	})
	if err != nil {
		return Department{}, err
	}
	return out, nil
}

// Deactivate retires a department that no routing rule names any more.
func (s *Service) Deactivate(ctx context.Context, p auth.Principal, code string, version int) (Department, error) {
	off := false
	return s.Update(ctx, p, code, Patch{Version: version, Active: &off})
}

// canManage says whether an object at path may be changed by a caller with
// view v: inside the scope yes; above it (visible, kept by a higher level)
// forbidden; elsewhere not found, so its existence is not revealed.
func canManage(v view, path, what string) error {
	switch {
	case v.scope.Contains(path):
		return nil
	case v.sees(path):
		return apperr.New(apperr.Forbidden, "%s is kept at a higher level than yours", what)
	default:
		return apperr.New(apperr.NotFound, "%s not found", what)
	}
}

func rulesNaming(ctx context.Context, q db.Querier, code string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM routing_rules WHERE lead_department = $1) +
		(SELECT COUNT(*) FROM routing_rule_assists WHERE department_code = $1)`, code).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("rules naming %s: %w", code, err)
	}
	return n, nil
}

func stale(what string, sent, current int) error {
	return &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("the %s was changed by someone else; reload and try again", what),
		Fields: []apperr.FieldError{{Field: "version", Reason: fmt.Sprintf("is %d, the %s is at %d", sent, what, current)}}}
}
