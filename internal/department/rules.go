package department

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/region"
)

// Rule sends events of a category (a leaf, or a group and so its whole
// subtree) that happen under a region (a city, or any region below) to a lead
// department, with assisting departments for joint handling. Every
// department of a rule serves a region that contains the rule's.
type Rule struct {
	ID             int64     `json:"id"`
	CategoryCode   string    `json:"category_code"`
	RegionCode     string    `json:"region_code"`
	RegionName     string    `json:"region_name,omitempty"`
	RegionPath     string    `json:"region_path"`
	LeadDepartment string    `json:"lead_department"`
	LeadName       string    `json:"lead_name,omitempty"`
	Assisting      []string  `json:"assisting"`
	AssistingNames []string  `json:"assisting_names"`
	Note           string    `json:"note"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	Version        int       `json:"version"`
}

const maxAssisting = 10

const ruleColumns = `r.id, r.category_code, r.region_code, COALESCE(g.name, ''), r.region_path, r.lead_department,
	COALESCE(d.name, ''), r.note, r.created_at, r.updated_at, r.version`

const ruleFrom = ` FROM routing_rules r LEFT JOIN regions g ON g.code = r.region_code LEFT JOIN departments d ON d.code = r.lead_department`

func scanRule(row interface{ Scan(...any) error }) (Rule, error) {
	var r Rule
	err := row.Scan(&r.ID, &r.CategoryCode, &r.RegionCode, &r.RegionName, &r.RegionPath, &r.LeadDepartment, &r.LeadName,
		&r.Note, &r.CreatedAt, &r.UpdatedAt, &r.Version)
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	r.Assisting, r.AssistingNames = []string{}, []string{}
	return r, err
}

// withAssists loads the assisting departments of the rules, in one query.
func withAssists(ctx context.Context, q db.Querier, rules []Rule) error {
	if len(rules) == 0 {
		return nil
	}
	var b query
	ids := make([]string, len(rules))
	at := make(map[int64]int, len(rules))
	for i, r := range rules {
		ids[i] = b.arg(r.ID)
		at[r.ID] = i
	}
	rows, err := q.QueryContext(ctx, `SELECT a.rule_id, a.department_code, COALESCE(d.name, '') FROM routing_rule_assists a
		LEFT JOIN departments d ON d.code = a.department_code WHERE a.rule_id IN (`+strings.Join(ids, ", ")+`)
		ORDER BY a.rule_id, a.position`, b.args...)
	if err != nil {
		return fmt.Errorf("assisting departments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var code, name string
		if err := rows.Scan(&id, &code, &name); err != nil {
			return fmt.Errorf("assisting departments: %w", err)
		}
		r := &rules[at[id]]
		r.Assisting, r.AssistingNames = append(r.Assisting, code), append(r.AssistingNames, name)
	}
	return rows.Err()
}

func getRule(ctx context.Context, q db.Querier, id int64) (Rule, error) {
	r, err := scanRule(q.QueryRowContext(ctx, `SELECT `+ruleColumns+ruleFrom+` WHERE r.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Rule{}, apperr.New(apperr.NotFound, "routing rule %d not found", id)
	}
	if err != nil {
		return Rule{}, fmt.Errorf("load routing rule %d: %w", id, err)
	}
	rules := []Rule{r}
	if err := withAssists(ctx, q, rules); err != nil {
		return Rule{}, err
	}
	return rules[0], nil
}

// RuleQuery filters ListRules.
type RuleQuery struct {
	// Category selects the rules on a category and on those below it.
	Category string
	// Region selects the rules of a region's subtree.
	Region string
	// Department selects the rules that name a department, as lead or assisting.
	Department string
	Page       int
	PageSize   int
}

// ListRules returns a page of the rules the caller may see: those of their
// area and those above it that apply to it.
func (s *Service) ListRules(ctx context.Context, p auth.Principal, in RuleQuery) (Page[Rule], error) {
	v, err := s.viewOf(ctx, p)
	if err != nil {
		return Page[Rule]{}, err
	}
	page, size := pageOf(in.Page, in.PageSize)
	out := Page[Rule]{Items: []Rule{}, Page: page, PageSize: size}
	var q query
	v.filter(&q, "r.region_path")
	if in.Region != "" {
		reg, err := region.Lookup(ctx, s.db.Read(), in.Region)
		if err != nil || !v.sees(reg.Path) {
			return out, apperr.Field("region", fmt.Sprintf("region %s not found", in.Region))
		}
		lo, hi := region.Under(reg.Path).Range()
		q.where(fmt.Sprintf("r.region_path >= %s AND r.region_path < %s", q.arg(lo), q.arg(hi)))
	}
	if c := strings.TrimSpace(in.Category); c != "" {
		q.where(fmt.Sprintf(`(r.category_code = %s OR r.category_code LIKE %s ESCAPE '\')`, q.arg(c), q.arg(db.Like(c+".")+"%")))
	}
	if dep := strings.TrimSpace(in.Department); dep != "" {
		a := q.arg(dep)
		q.where(fmt.Sprintf("(r.lead_department = %s OR r.id IN (SELECT rule_id FROM routing_rule_assists WHERE department_code = %s))", a, a))
	}
	if err := s.db.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM routing_rules r`+q.clause(), q.args...).Scan(&out.Total); err != nil {
		return out, fmt.Errorf("count routing rules: %w", err)
	}
	limit, offset := q.arg(size), q.arg((page-1)*size)
	rows, err := s.db.Read().QueryContext(ctx, `SELECT `+ruleColumns+ruleFrom+q.clause()+
		` ORDER BY r.region_path, r.category_code LIMIT `+limit+` OFFSET `+offset, q.args...)
	if err != nil {
		return out, fmt.Errorf("list routing rules: %w", err)
	}
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			rows.Close()
			return out, fmt.Errorf("list routing rules: %w", err)
		}
		out.Items = append(out.Items, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("list routing rules: %w", err)
	}
	return out, withAssists(ctx, s.db.Read(), out.Items)
}

// GetRule returns a rule the caller may see.
func (s *Service) GetRule(ctx context.Context, p auth.Principal, id int64) (Rule, error) {
	v, err := s.viewOf(ctx, p)
	if err != nil {
		return Rule{}, err
	}
	r, err := getRule(ctx, s.db.Read(), id)
	if err == nil && !v.sees(r.RegionPath) {
		err = apperr.New(apperr.NotFound, "routing rule %d not found", id)
	}
	return r, err
}

// checkRule validates a rule about to be stored and fills its region path and
// names: the category exists, the region is inside the caller's scope, and
// every department is active and serves a region that contains the rule's.
func (s *Service) checkRule(ctx context.Context, tx *sql.Tx, v view, r *Rule) error {
	var fs apperr.Fields
	r.CategoryCode, r.RegionCode = strings.TrimSpace(r.CategoryCode), strings.TrimSpace(r.RegionCode)
	r.LeadDepartment, r.Note = strings.TrimSpace(r.LeadDepartment), strings.TrimSpace(r.Note)
	if r.CategoryCode == "" {
		fs.Add("category_code", "is required")
	} else if ok, err := s.cats.Known(ctx, r.CategoryCode); err != nil {
		return err
	} else if !ok {
		fs.Add("category_code", fmt.Sprintf("category %s not found", r.CategoryCode))
	}
	r.RegionPath, r.RegionName = "", ""
	switch {
	case r.RegionCode == "":
		fs.Add("region_code", "is required")
	default:
		reg, err := region.Lookup(ctx, tx, r.RegionCode)
		if err != nil || !v.scope.Contains(reg.Path) {
			fs.Add("region_code", fmt.Sprintf("region %s not found", r.RegionCode))
		} else {
			r.RegionPath, r.RegionName = reg.Path, reg.Name
		}
	}
	if utf8.RuneCountInString(r.Note) > 500 {
		fs.Add("note", "must be at most 500 characters")
	}
	check := func(field, code string) (string, error) {
		d, err := getDept(ctx, tx, code)
		switch {
		case apperr.Is(err, apperr.NotFound) || (err == nil && !v.sees(d.RegionPath)):
			fs.Add(field, fmt.Sprintf("department %s not found", code))
		case err != nil:
			return "", err
		case !d.Active:
			fs.Add(field, fmt.Sprintf("department %s is inactive", code))
		case r.RegionPath != "" && !strings.HasPrefix(r.RegionPath, d.RegionPath):
			fs.Add(field, fmt.Sprintf("department %s serves %s, which does not cover the rule's region", code, d.RegionName))
		}
		return d.Name, nil
	}
	if r.LeadDepartment == "" {
		fs.Add("lead_department", "is required")
	} else if name, err := check("lead_department", r.LeadDepartment); err != nil {
		return err
	} else {
		r.LeadName = name
	}
	if len(r.Assisting) > maxAssisting {
		fs.Add("assisting", fmt.Sprintf("at most %d departments", maxAssisting))
	}
	r.AssistingNames = make([]string, 0, len(r.Assisting))
	for i, code := range r.Assisting {
		code = strings.TrimSpace(code)
		r.Assisting[i] = code
		field := fmt.Sprintf("assisting[%d]", i)
		switch {
		case code == "":
			fs.Add(field, "must not be empty")
		case code == r.LeadDepartment:
			fs.Add(field, "is the lead department")
		case slices.Contains(r.Assisting[:i], code):
			fs.Add(field, fmt.Sprintf("department %s is given twice", code))
		default:
			name, err := check(field, code)
			if err != nil {
				return err
			}
			r.AssistingNames = append(r.AssistingNames, name)
		}
	}
	return fs.Err()
}

func (s *Service) storeAssists(ctx context.Context, tx *sql.Tx, r Rule) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM routing_rule_assists WHERE rule_id = $1`, r.ID); err != nil {
		return fmt.Errorf("assisting departments of rule %d: %w", r.ID, err)
	}
	for i, code := range r.Assisting {
		if _, err := tx.ExecContext(ctx, `INSERT INTO routing_rule_assists (rule_id, position, department_code) VALUES ($1, $2, $3)`,
			r.ID, i, code); err != nil {
			return fmt.Errorf("assisting departments of rule %d: %w", r.ID, err)
		}
	}
	return nil
}

func duplicateRule(ctx context.Context, q db.Querier, r Rule) error {
	var id int64
	_ = q.QueryRowContext(ctx, `SELECT id FROM routing_rules WHERE category_code = $1 AND region_path = $2`, r.CategoryCode, r.RegionPath).Scan(&id)
	return &apperr.Error{Code: apperr.Conflict, Message: "a rule for this category and region exists",
		Fields: []apperr.FieldError{{Field: "category_code", Reason: fmt.Sprintf("rule %d already routes %s in %s", id, r.CategoryCode, r.RegionName)}}}
}

func bumpRouting(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `UPDATE catalog_state SET version = version + 1 WHERE name = $1`, routingState); err != nil {
		return fmt.Errorf("bump routing version: %w", err)
	}
	return nil
}

func ruleDetail(r Rule) map[string]any {
	return map[string]any{"category_code": r.CategoryCode, "region_code": r.RegionCode,
		"lead_department": r.LeadDepartment, "assisting": r.Assisting}
}

// CreateRule adds a rule for a region inside the caller's scope; one rule per
// category and region.
func (s *Service) CreateRule(ctx context.Context, p auth.Principal, r Rule) (Rule, error) {
	if err := requireManage(p); err != nil {
		return Rule{}, err
	}
	v, err := s.viewOf(ctx, p)
	if err != nil {
		return Rule{}, err
	}
	now := audit.Canonical(s.now())
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if r, err = s.createRuleTx(ctx, tx, p, v, r, now); err != nil {
			return err
		}
		return bumpRouting(ctx, tx)
	})
	if err != nil {
		return Rule{}, err
	}
	s.rules.AfterWrite(ctx)
	return r, nil
}

func (s *Service) createRuleTx(ctx context.Context, tx *sql.Tx, p auth.Principal, v view, r Rule, now time.Time) (Rule, error) {
	r.Assisting = slices.Clone(r.Assisting)
	if r.Assisting == nil {
		r.Assisting = []string{}
	}
	if err := s.checkRule(ctx, tx, v, &r); err != nil {
		return r, err
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO routing_rules (category_code, region_code, region_path, lead_department, note,
		created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $6, 1) RETURNING id`,
		r.CategoryCode, r.RegionCode, r.RegionPath, r.LeadDepartment, r.Note, now).Scan(&r.ID)
	if db.IsUniqueViolation(err) {
		return r, duplicateRule(ctx, s.db.Read(), r)
	}
	if err != nil {
		return r, fmt.Errorf("insert routing rule: %w", err)
	}
	if err := s.storeAssists(ctx, tx, r); err != nil {
		return r, err
	}
	r.CreatedAt, r.UpdatedAt, r.Version = now, now, 1
	_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "routing_rule.create", TargetType: "routing_rule",
		TargetID: fmt.Sprint(r.ID), Detail: ruleDetail(r)})
	return r, err
}

// Imported counts what Import stored and what it found already there.
type Imported struct {
	Departments         int `json:"departments"`
	Rules               int `json:"rules"`
	ExistingDepartments int `json:"existing_departments"`
	ExistingRules       int `json:"existing_rules"`
}

// Import stores departments (parents first) and rules in one transaction,
// checked and audited like Create and CreateRule, skipping departments whose
// code and rules whose category and region are already stored, so that it
// can run again (e.g. the demo at every start). All or nothing: a refused
// item names its index in the error.
func (s *Service) Import(ctx context.Context, p auth.Principal, depts []Department, rules []Rule) (Imported, error) {
	if err := requireManage(p); err != nil {
		return Imported{}, err
	}
	v, err := s.viewOf(ctx, p)
	if err != nil {
		return Imported{}, err
	}
	var out Imported
	now := audit.Canonical(s.now())
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		out = Imported{}
		for i, d := range depts {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM departments WHERE code = $1`, strings.TrimSpace(d.Code)).Scan(&n); err != nil {
				return fmt.Errorf("import department %s: %w", d.Code, err)
			}
			if n > 0 {
				out.ExistingDepartments++
				continue
			}
			if _, err := s.createTx(ctx, tx, p, v, d, now); err != nil {
				return prefixFields(err, fmt.Sprintf("departments[%d].", i))
			}
			out.Departments++
		}
		for i, r := range rules {
			code := strings.TrimSpace(r.RegionCode)
			reg, err := region.Lookup(ctx, tx, code)
			if err != nil {
				return prefixFields(apperr.Field("region_code", fmt.Sprintf("region %s not found", code)), fmt.Sprintf("rules[%d].", i))
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM routing_rules WHERE category_code = $1 AND region_path = $2`,
				strings.TrimSpace(r.CategoryCode), reg.Path).Scan(&n); err != nil {
				return fmt.Errorf("import rule %d: %w", i, err)
			}
			if n > 0 {
				out.ExistingRules++
				continue
			}
			if _, err := s.createRuleTx(ctx, tx, p, v, r, now); err != nil {
				return prefixFields(err, fmt.Sprintf("rules[%d].", i))
			}
			out.Rules++
		}
		if out.Rules == 0 {
			return nil
		}
		return bumpRouting(ctx, tx)
	})
	if err != nil {
		return Imported{}, err
	}
	if out.Rules > 0 {
		s.rules.AfterWrite(ctx)
	}
	return out, nil
}

// prefixFields names the item of a list in the fields of a refusal.
func prefixFields(err error, prefix string) error {
	e, ok := apperr.As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make([]apperr.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		out.Fields[i] = apperr.FieldError{Field: prefix + f.Field, Reason: f.Reason}
	}
	return &out
}

// RulePatch changes a rule; nil fields stay as they are.
type RulePatch struct {
	Version        int
	CategoryCode   *string
	RegionCode     *string
	LeadDepartment *string
	Assisting      *[]string
	Note           *string
}

// UpdateRule applies a patch to a rule in the caller's scope (before and
// after the change), auditing the names of the changed fields.
func (s *Service) UpdateRule(ctx context.Context, p auth.Principal, id int64, patch RulePatch) (Rule, error) {
	if err := requireManage(p); err != nil {
		return Rule{}, err
	}
	v, err := s.viewOf(ctx, p)
	if err != nil {
		return Rule{}, err
	}
	if patch.Version <= 0 {
		return Rule{}, apperr.Field("version", "is required: the version you read")
	}
	var out Rule
	changedAny := false
	now := audit.Canonical(s.now())
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		old, err := getRule(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := canManage(v, old.RegionPath, fmt.Sprintf("routing rule %d", id)); err != nil {
			return err
		}
		if old.Version != patch.Version {
			return stale("routing rule", patch.Version, old.Version)
		}
		r := old
		r.Assisting = slices.Clone(old.Assisting)
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&r.CategoryCode, patch.CategoryCode)
		set(&r.RegionCode, patch.RegionCode)
		set(&r.LeadDepartment, patch.LeadDepartment)
		set(&r.Note, patch.Note)
		if patch.Assisting != nil {
			r.Assisting = append([]string{}, (*patch.Assisting)...)
		}
		if err := s.checkRule(ctx, tx, v, &r); err != nil {
			return err
		}
		var changed []string
		for _, c := range []struct {
			name   string
			differ bool
		}{
			{"category_code", r.CategoryCode != old.CategoryCode}, {"region_code", r.RegionCode != old.RegionCode},
			{"lead_department", r.LeadDepartment != old.LeadDepartment}, {"assisting", !slices.Equal(r.Assisting, old.Assisting)},
			{"note", r.Note != old.Note},
		} {
			if c.differ {
				changed = append(changed, c.name)
			}
		}
		out = r
		if len(changed) == 0 {
			return nil
		}
		changedAny = true
		res, err := tx.ExecContext(ctx, `UPDATE routing_rules SET category_code = $1, region_code = $2, region_path = $3,
			lead_department = $4, note = $5, updated_at = $6, version = version + 1 WHERE id = $7 AND version = $8`,
			r.CategoryCode, r.RegionCode, r.RegionPath, r.LeadDepartment, r.Note, now, id, old.Version)
		if db.IsUniqueViolation(err) {
			return duplicateRule(ctx, s.db.Read(), r)
		}
		if err != nil {
			return fmt.Errorf("update routing rule %d: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return stale("routing rule", patch.Version, old.Version+1)
		}
		if slices.Contains(changed, "assisting") {
			if err := s.storeAssists(ctx, tx, r); err != nil {
				return err
			}
		}
		out.Version, out.UpdatedAt = old.Version+1, now
		detail := ruleDetail(r)
		detail["changed"] = changed
		if _, err := audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "routing_rule.update", TargetType: "routing_rule",
			TargetID: fmt.Sprint(id), Detail: detail}); err != nil {
			return err
		}
		return bumpRouting(ctx, tx)
	})
	if err != nil {
		return Rule{}, err
	}
	if changedAny {
		s.rules.AfterWrite(ctx)
	}
	return out, nil
}

// DeleteRule removes a rule in the caller's scope; version is the version
// the caller read, so that a rule changed meanwhile is not deleted blind.
func (s *Service) DeleteRule(ctx context.Context, p auth.Principal, id int64, version int) error {
	if err := requireManage(p); err != nil {
		return err
	}
	v, err := s.viewOf(ctx, p)
	if err != nil {
		return err
	}
	if version <= 0 {
		return apperr.Field("version", "is required: the version you read")
	}
	now := audit.Canonical(s.now())
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		old, err := getRule(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := canManage(v, old.RegionPath, fmt.Sprintf("routing rule %d", id)); err != nil {
			return err
		}
		if old.Version != version {
			return stale("routing rule", version, old.Version)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM routing_rules WHERE id = $1 AND version = $2`, id, version)
		if err != nil {
			return fmt.Errorf("delete routing rule %d: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return stale("routing rule", version, old.Version+1)
		}
		if _, err := audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "routing_rule.delete", TargetType: "routing_rule",
			TargetID: fmt.Sprint(id), Detail: ruleDetail(old)}); err != nil {
			return err
		}
		return bumpRouting(ctx, tx)
	})
	if err != nil {
		return err
	}
	s.rules.AfterWrite(ctx)
	return nil
}
