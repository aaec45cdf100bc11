package category

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/memcopy"
)

// Service keeps the category tree. Reads are answered from an immutable
// in-memory copy of the whole tree (a few hundred rows at most), because
// every event intake and every deadline computation looks a category up; the
// copy is reloaded when catalog_state's version for categories changes.
type Service struct {
	db   *db.DB
	now  func() time.Time
	held *memcopy.Copy[snapshot]
}

// NewService returns the category service; now is the clock.
func NewService(d *db.DB, log *slog.Logger, now func() time.Time) *Service {
	s := &Service{db: d, now: now}
	s.held = memcopy.New("categories", log, s.version, func(ctx context.Context, v int64) (*snapshot, error) {
		return load(ctx, d.Read(), v)
	})
	return s
}

// Node is a category with its children, for the tree view.
type Node struct {
	Category
	Children []*Node `json:"children,omitempty"`
}

// snapshot is the whole tree at one version; it never changes once built.
type snapshot struct {
	version  int64
	byCode   map[string]*Category
	children map[string][]string // parent code ("" for the top) → child codes in display order
	withheld map[string]bool     // codes that are private or under a private group
}

const stateName = "categories"

// Refresh reloads the tree when the stored version differs from the one in memory.
func (s *Service) Refresh(ctx context.Context) error { return s.held.Refresh(ctx) }

// Watch refreshes every interval until ctx ends, so that changes made by
// other server processes reach this one.
func (s *Service) Watch(ctx context.Context, interval time.Duration) { s.held.Watch(ctx, interval) }

// version reads the tree's stored version.
func (s *Service) version(ctx context.Context) (int64, error) {
	var v int64
	if err := s.db.Read().QueryRowContext(ctx, `SELECT version FROM catalog_state WHERE name = $1`, stateName).Scan(&v); err != nil {
		return 0, fmt.Errorf("category version: %w", err)
	}
	return v, nil
}

func load(ctx context.Context, q db.Querier, version int64) (*snapshot, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+columns+` FROM categories`)
	if err != nil {
		return nil, fmt.Errorf("load categories: %w", err)
	}
	defer rows.Close()
	snap := &snapshot{version: version, byCode: map[string]*Category{}, children: map[string][]string{}}
	for rows.Next() {
		c, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("load categories: %w", err)
		}
		snap.byCode[c.Code] = &c
		snap.children[c.ParentCode] = append(snap.children[c.ParentCode], c.Code)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load categories: %w", err)
	}
	for _, kids := range snap.children {
		slices.SortFunc(kids, func(a, b string) int {
			return cmp.Or(cmp.Compare(snap.byCode[a].Sort, snap.byCode[b].Sort), strings.Compare(a, b))
		})
	}
	snap.withheld = map[string]bool{}
	for code, c := range snap.byCode {
		for ; c != nil; c = snap.byCode[c.ParentCode] {
			if c.Private {
				snap.withheld[code] = true
				break
			}
		}
	}
	return snap, nil
}

// Tree returns the whole tree, inactive categories included, top level first
// and children in display order (sort, then code).
func (s *Service) Tree(ctx context.Context) ([]*Node, error) {
	snap, err := s.held.Get(ctx)
	if err != nil {
		return nil, err
	}
	return snap.tree("", true), nil
}

// Visible returns the tree a caller sees: everything for those who keep the
// catalog, only active categories (under active groups) for everyone else.
func (s *Service) Visible(ctx context.Context, p auth.Principal) ([]*Node, error) {
	snap, err := s.held.Get(ctx)
	if err != nil {
		return nil, err
	}
	return snap.tree("", p.Can(auth.PermCatalogManage)), nil
}

func (snap *snapshot) tree(parent string, inactive bool) []*Node {
	out := []*Node{}
	for _, code := range snap.children[parent] {
		c := snap.byCode[code]
		if !c.Active && !inactive {
			continue
		}
		n := &Node{Category: c.Clone()}
		if !c.Leaf {
			n.Children = snap.tree(code, inactive)
		}
		out = append(out, n)
	}
	return out
}

// Leaves returns the categories events can be filed under: active leaves
// whose groups are all active, in tree order.
func (s *Service) Leaves(ctx context.Context) ([]Category, error) {
	snap, err := s.held.Get(ctx)
	if err != nil {
		return nil, err
	}
	var out []Category
	var walk func(parent string)
	walk = func(parent string) {
		for _, code := range snap.children[parent] {
			c := snap.byCode[code]
			switch {
			case !c.Active:
			case c.Leaf:
				out = append(out, c.Clone())
			default:
				walk(code)
			}
		}
	}
	walk("")
	return out, nil
}

// Get returns one category, active or not.
func (s *Service) Get(ctx context.Context, code string) (Category, error) {
	snap, err := s.held.Get(ctx)
	if err != nil {
		return Category{}, err
	}
	c, ok := snap.byCode[code]
	if !ok {
		return Category{}, apperr.New(apperr.NotFound, "category %s not found", code)
	}
	return c.Clone(), nil
}

// Names returns a category's Chinese and English names, active or not,
// without copying the rest of it (dashboards name their top categories on
// every panel).
func (s *Service) Names(ctx context.Context, code string) (name, nameEn string, err error) {
	snap, err := s.held.Get(ctx)
	if err != nil {
		return "", "", err
	}
	c, ok := snap.byCode[code]
	if !ok {
		return "", "", apperr.New(apperr.NotFound, "category %s not found", code)
	}
	return c.Name, c.NameEn, nil
}

// Withheld reports whether the public sees this category's events without
// their text and place: the category or a group above it is private. An
// unknown code is withheld, so that a public view errs on the side of the
// person.
func (s *Service) Withheld(ctx context.Context, code string) (bool, error) {
	snap, err := s.held.Get(ctx)
	if err != nil {
		return true, err
	}
	if _, ok := snap.byCode[code]; !ok {
		return true, nil
	}
	return snap.withheld[code], nil
}

// WithheldCodes lists the codes of every withheld category, sorted.
func (s *Service) WithheldCodes(ctx context.Context) ([]string, error) {
	snap, err := s.held.Get(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(snap.withheld))
	for code := range snap.withheld {
		out = append(out, code)
	}
	slices.Sort(out)
	return out, nil
}

// Known reports whether a category with this code exists, active or not.
func (s *Service) Known(ctx context.Context, code string) (bool, error) {
	snap, err := s.held.Get(ctx)
	if err != nil {
		return false, err
	}
	_, ok := snap.byCode[code]
	return ok, nil
}

// requireManage lets those who keep the catalog change the tree, and only
// with a city-wide or deployment-wide scope: the categories, their
// standards and limits are the city's, the same for every county.
func requireManage(p auth.Principal) error {
	if !p.Can(auth.PermCatalogManage) {
		return apperr.New(apperr.Forbidden, "you may not change the category tree")
	}
	if sc := p.User.Scope(); !sc.IsAll() && strings.Count(sc.Path(), "/") != 2 {
		return apperr.New(apperr.Forbidden, "the category tree is kept by the city: only a city-wide account may change it")
	}
	return nil
}

const columns = `code, COALESCE(parent_code, ''), name, name_en, keywords, sort, leaf, registration_standard,
	closing_standard, default_urgency, limits, yellow_at, red_at, private, active, created_at, updated_at, version`

func scan(row interface{ Scan(...any) error }) (Category, error) {
	var c Category
	var keywords, limits, urgency string
	if err := row.Scan(&c.Code, &c.ParentCode, &c.Name, &c.NameEn, &keywords, &c.Sort, &c.Leaf, &c.RegistrationStandard,
		&c.ClosingStandard, &urgency, &limits, &c.YellowAt, &c.RedAt, &c.Private, &c.Active, &c.CreatedAt, &c.UpdatedAt, &c.Version); err != nil {
		return Category{}, err
	}
	c.DefaultUrgency = Urgency(urgency)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(keywords), &c.Keywords); err != nil {
		return Category{}, fmt.Errorf("category %s: keywords: %w", c.Code, err)
	}
	if c.Keywords == nil {
		c.Keywords = []string{}
	}
	if limits != "" {
		var l Limits
		if err := json.Unmarshal([]byte(limits), &l); err != nil {
			return Category{}, fmt.Errorf("category %s: limits: %w", c.Code, err)
		}
		c.Limits = &l
	}
	return c, nil
}

func getTx(ctx context.Context, q db.Querier, code string) (Category, error) {
	c, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM categories WHERE code = $1`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return Category{}, apperr.New(apperr.NotFound, "category %s not found", code)
	}
	if err != nil {
		return Category{}, fmt.Errorf("load category %s: %w", code, err)
	}
	return c, nil
}

// stored is the column form of the fields kept as JSON.
func stored(c Category) (keywords, limits string, err error) {
	kw, err := json.Marshal(c.Keywords)
	if err != nil {
		return "", "", fmt.Errorf("category %s: keywords: %w", c.Code, err)
	}
	if c.Limits == nil {
		return string(kw), "", nil
	}
	lb, err := json.Marshal(c.Limits)
	if err != nil {
		return "", "", fmt.Errorf("category %s: limits: %w", c.Code, err)
	}
	return string(kw), string(lb), nil
}

func insert(ctx context.Context, tx *sql.Tx, c Category, now time.Time) error {
	keywords, limits, err := stored(c)
	if err != nil {
		return err
	}
	var parent any
	if c.ParentCode != "" {
		parent = c.ParentCode
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO categories (code, parent_code, name, name_en, keywords, sort, leaf,
		registration_standard, closing_standard, default_urgency, limits, yellow_at, red_at, private, active, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, 1)`,
		c.Code, parent, c.Name, c.NameEn, keywords, c.Sort, c.Leaf, c.RegistrationStandard, c.ClosingStandard,
		string(c.DefaultUrgency), limits, c.YellowAt, c.RedAt, c.Private, c.Active, now)
	if db.IsUniqueViolation(err) {
		return &apperr.Error{Code: apperr.Conflict, Message: "category already exists",
			Fields: []apperr.FieldError{{Field: "code", Reason: fmt.Sprintf("category %s already exists", c.Code)}}}
	}
	if err != nil {
		return fmt.Errorf("insert category %s: %w", c.Code, err)
	}
	return nil
}

func bump(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `UPDATE catalog_state SET version = version + 1 WHERE name = $1`, stateName); err != nil {
		return fmt.Errorf("bump category version: %w", err)
	}
	return nil
}

// withDefaults fills the thresholds left unset (both zero).
func withDefaults(c Category) Category {
	if c.YellowAt == 0 && c.RedAt == 0 {
		c.YellowAt, c.RedAt = DefaultYellowAt, DefaultRedAt
	}
	if c.Keywords == nil {
		c.Keywords = []string{}
	}
	return c
}

// Create adds a category under an active group (or at the top). Leaves need
// standards and limits; unset thresholds take the defaults (0.8, 1.0).
func (s *Service) Create(ctx context.Context, p auth.Principal, c Category) (Category, error) {
	if err := requireManage(p); err != nil {
		return Category{}, err
	}
	c = withDefaults(c)
	c.Active = true
	now := audit.Canonical(s.now())
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var parent *Category
		if pc := strings.TrimSpace(c.ParentCode); pc != "" {
			got, err := getTx(ctx, tx, pc)
			if apperr.Is(err, apperr.NotFound) {
				return apperr.Field("parent_code", fmt.Sprintf("category %s not found", pc))
			}
			if err != nil {
				return err
			}
			parent = &got
		}
		if err := c.validate(parent); err != nil {
			return err
		}
		if err := insert(ctx, tx, c, now); err != nil {
			return err
		}
		c.CreatedAt, c.UpdatedAt, c.Version = now, now, 1
		if _, err := audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "category.create", TargetType: "category",
			TargetID: c.Code, Detail: map[string]any{"name": c.Name, "parent_code": c.ParentCode, "leaf": c.Leaf}}); err != nil {
			return err
		}
		return bump(ctx, tx)
	})
	if err != nil {
		return Category{}, err
	}
	s.held.AfterWrite(ctx)
	return c, nil
}

// Patch changes a category; nil fields stay as they are. Code, parent and
// the leaf/group kind never change. Version is the version the caller read.
type Patch struct {
	Version              int
	Name                 *string
	NameEn               *string
	Keywords             *[]string
	Sort                 *int
	RegistrationStandard *string
	ClosingStandard      *string
	DefaultUrgency       *Urgency
	Limits               *Limits
	YellowAt             *float64
	RedAt                *float64
	Private              *bool
	// Active false deactivates the category and everything under it; true
	// reactivates this one category, whose group must be active.
	Active *bool
}

// Update applies a patch, auditing the names of the fields it changed. A
// stale version is a conflict.
func (s *Service) Update(ctx context.Context, p auth.Principal, code string, patch Patch) (Category, error) {
	if err := requireManage(p); err != nil {
		return Category{}, err
	}
	if patch.Version <= 0 {
		return Category{}, apperr.Field("version", "is required: the version you read")
	}
	var out Category
	changedAny := false
	now := audit.Canonical(s.now())
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		old, err := getTx(ctx, tx, code)
		if err != nil {
			return err
		}
		if old.Version != patch.Version {
			return stale(patch.Version, old.Version)
		}
		c := apply(old.Clone(), patch)
		var fs apperr.Fields
		c.checkFields(&fs)
		if c.Active && !old.Active && c.ParentCode != "" {
			parent, err := getTx(ctx, tx, c.ParentCode)
			if err != nil {
				return err
			}
			if !parent.Active {
				fs.Add("active", fmt.Sprintf("the group %s is inactive; activate it first", parent.Code))
			}
		}
		if err := fs.Err(); err != nil {
			return err
		}
		changed := changes(old, c)
		out = c
		if len(changed) == 0 {
			return nil
		}
		changedAny = true
		keywords, limits, err := stored(c)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE categories SET name = $1, name_en = $2, keywords = $3, sort = $4,
			registration_standard = $5, closing_standard = $6, default_urgency = $7, limits = $8, yellow_at = $9, red_at = $10,
			active = $11, updated_at = $12, private = $13, version = version + 1 WHERE code = $14 AND version = $15`,
			c.Name, c.NameEn, keywords, c.Sort, c.RegistrationStandard, c.ClosingStandard, string(c.DefaultUrgency), limits,
			c.YellowAt, c.RedAt, c.Active, now, c.Private, code, old.Version)
		if err != nil {
			return fmt.Errorf("update category %s: %w", code, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return stale(patch.Version, old.Version+1)
		}
		out.Version, out.UpdatedAt = old.Version+1, now
		detail := map[string]any{"changed": changed}
		if old.Active && !c.Active {
			below, err := deactivateBelow(ctx, tx, code, now)
			if err != nil {
				return err
			}
			if len(below) > 0 {
				detail["deactivated"] = below
			}
		}
		if _, err := audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "category.update", TargetType: "category",
			TargetID: code, Detail: detail}); err != nil {
			return err
		}
		return bump(ctx, tx)
	})
	if err != nil {
		return Category{}, err
	}
	if changedAny {
		s.held.AfterWrite(ctx)
	}
	return out, nil
}

// Deactivate retires a category and everything under it; events already
// filed keep it, new ones cannot use it.
func (s *Service) Deactivate(ctx context.Context, p auth.Principal, code string, version int) (Category, error) {
	off := false
	return s.Update(ctx, p, code, Patch{Version: version, Active: &off})
}

// deactivateBelow deactivates the active descendants of code and returns their codes.
func deactivateBelow(ctx context.Context, tx *sql.Tx, code string, now time.Time) ([]string, error) {
	pattern := db.Like(code+".") + "%"
	rows, err := tx.QueryContext(ctx, `SELECT code FROM categories WHERE code LIKE $1 ESCAPE '\' AND active ORDER BY code`, pattern)
	if err != nil {
		return nil, fmt.Errorf("deactivate below %s: %w", code, err)
	}
	var codes []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return nil, fmt.Errorf("deactivate below %s: %w", code, err)
		}
		codes = append(codes, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("deactivate below %s: %w", code, err)
	}
	if len(codes) == 0 {
		return nil, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE categories SET active = $1, updated_at = $2, version = version + 1
		WHERE code LIKE $3 ESCAPE '\' AND active`, false, now, pattern); err != nil {
		return nil, fmt.Errorf("deactivate below %s: %w", code, err)
	}
	return codes, nil
}

func stale(sent, current int) error {
	return &apperr.Error{Code: apperr.Conflict, Message: "the category was changed by someone else; reload and try again",
		Fields: []apperr.FieldError{{Field: "version", Reason: fmt.Sprintf("is %d, the category is at %d", sent, current)}}}
}

func apply(c Category, p Patch) Category {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.Name, p.Name)
	set(&c.NameEn, p.NameEn)
	set(&c.RegistrationStandard, p.RegistrationStandard)
	set(&c.ClosingStandard, p.ClosingStandard)
	if p.Keywords != nil {
		c.Keywords = append([]string{}, (*p.Keywords)...)
	}
	if p.Sort != nil {
		c.Sort = *p.Sort
	}
	if p.DefaultUrgency != nil {
		c.DefaultUrgency = *p.DefaultUrgency
	}
	if p.Limits != nil {
		l := p.Limits.Clone()
		c.Limits = &l
	}
	if p.YellowAt != nil {
		c.YellowAt = *p.YellowAt
	}
	if p.RedAt != nil {
		c.RedAt = *p.RedAt
	}
	if p.Private != nil {
		c.Private = *p.Private
	}
	if p.Active != nil {
		c.Active = *p.Active
	}
	return c
}

// changes names the fields that differ between a and b.
func changes(a, b Category) []string {
	var out []string
	add := func(name string, differ bool) {
		if differ {
			out = append(out, name)
		}
	}
	add("name", a.Name != b.Name)
	add("name_en", a.NameEn != b.NameEn)
	add("keywords", !slices.Equal(a.Keywords, b.Keywords))
	add("sort", a.Sort != b.Sort)
	add("registration_standard", a.RegistrationStandard != b.RegistrationStandard)
	add("closing_standard", a.ClosingStandard != b.ClosingStandard)
	add("default_urgency", a.DefaultUrgency != b.DefaultUrgency)
	add("limits", !sameLimits(a.Limits, b.Limits))
	add("yellow_at", a.YellowAt != b.YellowAt)
	add("red_at", a.RedAt != b.RedAt)
	add("private", a.Private != b.Private)
	add("active", a.Active != b.Active)
	return out
}

func sameLimits(a, b *Limits) bool {
	if a == nil || b == nil {
		return a == b
	}
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// Seed stores DefaultTree when the table is empty and reports how many
// categories it stored; on a tree that has any category it does nothing, so
// it can run at every start.
func (s *Service) Seed(ctx context.Context) (int, error) {
	tree := DefaultTree()
	now := audit.Canonical(s.now())
	n := 0
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var count int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM categories`).Scan(&count); err != nil {
			return fmt.Errorf("count categories: %w", err)
		}
		if count > 0 {
			return nil
		}
		byCode := map[string]*Category{}
		for i := range tree {
			c := withDefaults(tree[i])
			c.Active = true
			if err := c.validate(byCode[c.ParentCode]); err != nil {
				return fmt.Errorf("default category %s: %w", c.Code, err)
			}
			if err := insert(ctx, tx, c, now); err != nil {
				return err
			}
			byCode[c.Code] = &c
		}
		n = len(tree)
		if _, err := audit.Append(ctx, tx, now, audit.Record{Actor: audit.System("seed"), Action: "category.seed",
			TargetType: "category", Detail: map[string]any{"categories": n}}); err != nil {
			return err
		}
		return bump(ctx, tx)
	})
	if apperr.Is(err, apperr.Conflict) {
		// Another server seeded the empty table at the same moment.
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if n > 0 {
		s.held.AfterWrite(ctx)
	}
	return n, nil
}
