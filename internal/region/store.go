package region

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/db"
)

// Store reads and writes the region tree.
type Store struct {
	db  *db.DB
	now func() time.Time
}

// NewStore returns a Store over d; now is the clock (time.Now in production).
func NewStore(d *db.DB, now func() time.Time) *Store { return &Store{db: d, now: now} }

const columns = `code, name, level, COALESCE(parent_code, ''), path, valid_from, valid_to, version, kind, subtype,
	min_lng, min_lat, max_lng, max_lat, area_m2`

func scan(row interface{ Scan(...any) error }) (Region, error) {
	var r Region
	var validTo sql.NullTime
	var minLng, minLat, maxLng, maxLat, area sql.NullFloat64
	var kind string
	if err := row.Scan(&r.Code, &r.Name, &r.Level, &r.ParentCode, &r.Path, &r.ValidFrom, &validTo, &r.Version,
		&kind, &r.Subtype, &minLng, &minLat, &maxLng, &maxLat, &area); err != nil {
		return Region{}, err
	}
	r.Kind = GridKind(kind)
	if minLng.Valid && minLat.Valid && maxLng.Valid && maxLat.Valid {
		r.BBox = []float64{minLng.Float64, minLat.Float64, maxLng.Float64, maxLat.Float64}
	}
	if area.Valid {
		a := area.Float64
		r.AreaM2 = &a
	}
	r.ValidFrom = r.ValidFrom.UTC()
	if validTo.Valid {
		t := validTo.Time.UTC()
		r.ValidTo = &t
	}
	return r, nil
}

// Lookup returns a region by code regardless of scope, for internal checks
// such as validating a user's scope. It never goes to API callers.
func Lookup(ctx context.Context, q db.Querier, code string) (Region, error) {
	r, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM regions WHERE code = $1`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return Region{}, apperr.New(apperr.NotFound, "region %s not found", code)
	}
	if err != nil {
		return Region{}, fmt.Errorf("look up region %s: %w", code, err)
	}
	return r, nil
}

// Get returns a region inside the scope. A region outside it is reported as
// not found, so callers cannot learn that it exists.
func (s *Store) Get(ctx context.Context, scope Scope, code string) (Region, error) {
	r, err := Lookup(ctx, s.db.Read(), code)
	if err != nil {
		return Region{}, err
	}
	if !scope.Contains(r.Path) {
		return Region{}, apperr.New(apperr.NotFound, "region %s not found", code)
	}
	return r, nil
}

// Children lists the direct children of parentCode inside the scope, ordered
// by code. An empty parentCode lists the top of what the scope can see: the
// cities for a deployment-wide scope, the scope's own root otherwise.
func (s *Store) Children(ctx context.Context, scope Scope, parentCode string) ([]Region, error) {
	lo, hi := scope.Range()
	if lo == "" {
		// A scope of no region (a department's) sees an empty tree.
		return []Region{}, nil
	}
	var rows *sql.Rows
	var err error
	switch {
	case parentCode != "":
		if _, err := s.Get(ctx, scope, parentCode); err != nil {
			return nil, err
		}
		rows, err = s.db.Read().QueryContext(ctx, `SELECT `+columns+` FROM regions
			WHERE parent_code = $1 AND path >= $2 AND path < $3 ORDER BY code`, parentCode, lo, hi)
	case scope.IsAll():
		rows, err = s.db.Read().QueryContext(ctx, `SELECT `+columns+` FROM regions WHERE parent_code IS NULL ORDER BY code`)
	default:
		rows, err = s.db.Read().QueryContext(ctx, `SELECT `+columns+` FROM regions WHERE path = $1`, scope.Path())
	}
	if err != nil {
		return nil, fmt.Errorf("list regions: %w", err)
	}
	defer rows.Close()
	out := []Region{}
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list regions: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Count returns how many regions of each level lie inside the scope.
func (s *Store) Count(ctx context.Context, scope Scope) (map[Level]int, error) {
	lo, hi := scope.Range()
	out := map[Level]int{}
	if lo == "" {
		return out, nil
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT level, COUNT(*) FROM regions WHERE path >= $1 AND path < $2 GROUP BY level`, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("count regions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l Level
		var n int
		if err := rows.Scan(&l, &n); err != nil {
			return nil, fmt.Errorf("count regions: %w", err)
		}
		out[l] = n
	}
	return out, rows.Err()
}

// Create adds a region under its parent. Only a caller whose scope holds the
// parent may add to it; a new city needs the deployment-wide scope.
func (s *Store) Create(ctx context.Context, actor audit.Actor, scope Scope, r Region) (Region, error) {
	if r.ValidFrom.IsZero() {
		r.ValidFrom = s.now()
	}
	r.ValidFrom = audit.Canonical(r.ValidFrom)
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var parent *Region
		if r.ParentCode != "" {
			p, err := Lookup(ctx, tx, r.ParentCode)
			if apperr.Is(err, apperr.NotFound) || (err == nil && !scope.Contains(p.Path)) {
				return apperr.Field("parent_code", fmt.Sprintf("region %s not found", r.ParentCode))
			}
			if err != nil {
				return err
			}
			parent = &p
		} else if !scope.IsAll() {
			return apperr.New(apperr.Forbidden, "only a deployment-wide administrator may add a city")
		}
		if err := r.Validate(parent); err != nil {
			return err
		}
		parentPath := ""
		var parentCode any
		if parent != nil {
			parentPath, parentCode = parent.Path, parent.Code
		}
		r.Path = ChildPath(parentPath, r.Code)
		r.Version = 1
		now := audit.Canonical(s.now())
		_, err := tx.ExecContext(ctx, `INSERT INTO regions (code, name, level, parent_code, path, valid_from, valid_to, created_at, updated_at, kind, subtype)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10)`,
			r.Code, r.Name, r.Level, parentCode, r.Path, r.ValidFrom, r.ValidTo, now, string(r.Kind), r.Subtype)
		if db.IsUniqueViolation(err) {
			return &apperr.Error{Code: apperr.Conflict, Message: "region already exists",
				Fields: []apperr.FieldError{{Field: "code", Reason: fmt.Sprintf("region %s already exists", r.Code)}}}
		}
		if err != nil {
			return fmt.Errorf("insert region %s: %w", r.Code, err)
		}
		_, err = audit.Append(ctx, tx, now, audit.Record{
			Actor: actor, Action: "region.create", TargetType: "region", TargetID: r.Code,
			Detail: map[string]any{"name": r.Name, "level": r.Level.String(), "parent_code": r.ParentCode},
		})
		return err
	})
	if err != nil {
		return Region{}, err
	}
	return r, nil
}

// Link is one step of a region's chain from the city down.
type Link struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Level Level  `json:"level"`
}

// Chain returns the region's ancestors and itself, city first. The region
// must be in scope; its ancestors' names are shown even above the scope, as
// they are public administrative names.
func (s *Store) Chain(ctx context.Context, scope Scope, code string) ([]Link, error) {
	r, err := s.Get(ctx, scope, code)
	if err != nil {
		return nil, err
	}
	codes := strings.Split(strings.Trim(r.Path, "/"), "/")
	args := make([]any, len(codes))
	marks := make([]string, len(codes))
	for i, c := range codes {
		args[i] = c
		marks[i] = fmt.Sprintf("$%d", i+1)
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT code, name, level FROM regions WHERE code IN (`+strings.Join(marks, ",")+`) ORDER BY level`, args...)
	if err != nil {
		return nil, fmt.Errorf("region chain %s: %w", code, err)
	}
	defer rows.Close()
	var out []Link
	for rows.Next() {
		var l Link
		if err := rows.Scan(&l.Code, &l.Name, &l.Level); err != nil {
			return nil, fmt.Errorf("region chain %s: %w", code, err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// Search finds regions in scope whose code starts with q or whose name
// contains it, broadest levels first.
func (s *Store) Search(ctx context.Context, scope Scope, q string, limit int) ([]Region, error) {
	q = strings.TrimSpace(q)
	lo, hi := scope.Range()
	if q == "" || lo == "" {
		return []Region{}, nil
	}
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	like := db.Like(q)
	rows, err := s.db.Read().QueryContext(ctx, `SELECT `+columns+` FROM regions
		WHERE path >= $1 AND path < $2 AND (code LIKE $3 ESCAPE '\' OR name LIKE $4 ESCAPE '\')
		ORDER BY level, code LIMIT $5`, lo, hi, like+"%", "%"+like+"%", limit)
	if err != nil {
		return nil, fmt.Errorf("search regions: %w", err)
	}
	defer rows.Close()
	out := []Region{}
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("search regions: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
