package department

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/region"
)

// Route is where an event goes: the lead department, the assisting ones, and
// the rule that decided.
type Route struct {
	Lead      string   `json:"lead"`
	Assisting []string `json:"assisting"`
	RuleID    int64    `json:"rule_id"`
}

// routeKey finds a rule by category code and region path; both strings are
// usually slices of the caller's arguments, so a lookup allocates nothing.
type routeKey struct{ category, path string }

type routeEntry struct {
	id        int64
	lead      string
	assisting []string
}

// routes is every rule at one version; it never changes once built.
type routes struct {
	version int64
	rules   map[routeKey]routeEntry
}

const routingState = "routing"

// Route chooses the department for an event of a category at a region path
// (the path of the event's grid, or of any region). The most specific rule
// wins: first the one with the deepest region prefix, then, among those, the
// one on the most specific category (a leaf beats its groups). At most one
// rule exists per category and region, so there are no ties; should the
// store ever hold two, the one with the lower id wins. It reads only memory,
// loading the rules on first use.
func (s *Service) Route(ctx context.Context, categoryCode, regionPath string) (Route, bool, error) {
	snap, err := s.rules.Get(ctx)
	if err != nil {
		return Route{}, false, err
	}
	e, ok := snap.find(categoryCode, regionPath)
	if !ok {
		return Route{}, false, nil
	}
	return Route{Lead: e.lead, Assisting: slices.Clone(e.assisting), RuleID: e.id}, true, nil
}

func (r *routes) find(category, path string) (routeEntry, bool) {
	if category == "" || !strings.HasPrefix(path, "/") {
		return routeEntry{}, false
	}
	if !strings.HasSuffix(path, "/") {
		path += "/"
	}
	// From the whole path up to the city, and at each prefix from the
	// category up to its top-level group.
	for end := len(path); end > 1; end = strings.LastIndexByte(path[:end-1], '/') + 1 {
		prefix := path[:end]
		for cat := category; ; {
			if e, ok := r.rules[routeKey{cat, prefix}]; ok {
				return e, true
			}
			i := strings.LastIndexByte(cat, '.')
			if i < 0 {
				break
			}
			cat = cat[:i]
		}
	}
	return routeEntry{}, false
}

// Refresh reloads the rules when the stored routing version differs from
// the one in memory.
func (s *Service) Refresh(ctx context.Context) error { return s.rules.Refresh(ctx) }

// routingVersion reads the rules' stored version.
func (s *Service) routingVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.db.Read().QueryRowContext(ctx, `SELECT version FROM catalog_state WHERE name = $1`, routingState).Scan(&v); err != nil {
		return 0, fmt.Errorf("routing version: %w", err)
	}
	return v, nil
}

func (s *Service) loadRoutes(ctx context.Context, version int64) (*routes, error) {
	out := &routes{version: version, rules: map[routeKey]routeEntry{}}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT id, category_code, region_path, lead_department FROM routing_rules ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("load routing rules: %w", err)
	}
	byID := map[int64]routeKey{}
	for rows.Next() {
		var k routeKey
		var e routeEntry
		if err := rows.Scan(&e.id, &k.category, &k.path, &e.lead); err != nil {
			rows.Close()
			return nil, fmt.Errorf("load routing rules: %w", err)
		}
		if _, dup := out.rules[k]; !dup {
			out.rules[k] = e
			byID[e.id] = k
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load routing rules: %w", err)
	}
	rows, err = s.db.Read().QueryContext(ctx, `SELECT rule_id, department_code FROM routing_rule_assists ORDER BY rule_id, position`)
	if err != nil {
		return nil, fmt.Errorf("load assisting departments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var code string
		if err := rows.Scan(&id, &code); err != nil {
			return nil, fmt.Errorf("load assisting departments: %w", err)
		}
		if k, ok := byID[id]; ok {
			e := out.rules[k]
			e.assisting = append(e.assisting, code)
			out.rules[k] = e
		}
	}
	return out, rows.Err()
}

// Watch refreshes every interval until ctx ends, so that rules changed by
// other server processes reach this one.
func (s *Service) Watch(ctx context.Context, interval time.Duration) { s.rules.Watch(ctx, interval) }

// Resolution explains Route for a person trying rules out: the rule that
// applies and its departments, or Matched false.
type Resolution struct {
	Matched    bool         `json:"matched"`
	Category   string       `json:"category"`
	RegionCode string       `json:"region_code"`
	RegionPath string       `json:"region_path"`
	Rule       *Rule        `json:"rule,omitempty"`
	Lead       *Department  `json:"lead,omitempty"`
	Assisting  []Department `json:"assisting"`
}

// Resolve answers where an event of a category in a region of the caller's
// area would go.
func (s *Service) Resolve(ctx context.Context, p auth.Principal, categoryCode, regionCode string) (Resolution, error) {
	v, err := s.viewOf(ctx, p)
	if err != nil {
		return Resolution{}, err
	}
	out := Resolution{Category: strings.TrimSpace(categoryCode), RegionCode: strings.TrimSpace(regionCode), Assisting: []Department{}}
	var fs apperr.Fields
	if out.Category == "" {
		fs.Add("category", "is required")
	} else if ok, err := s.cats.Known(ctx, out.Category); err != nil {
		return Resolution{}, err
	} else if !ok {
		fs.Add("category", fmt.Sprintf("category %s not found", out.Category))
	}
	if out.RegionCode == "" {
		fs.Add("region", "is required")
	} else if reg, err := region.Lookup(ctx, s.db.Read(), out.RegionCode); err != nil || !v.scope.Contains(reg.Path) {
		fs.Add("region", fmt.Sprintf("region %s not found", out.RegionCode))
	} else {
		out.RegionPath = reg.Path
	}
	if err := fs.Err(); err != nil {
		return Resolution{}, err
	}
	route, ok, err := s.Route(ctx, out.Category, out.RegionPath)
	if err != nil || !ok {
		return out, err
	}
	rule, err := getRule(ctx, s.db.Read(), route.RuleID)
	if apperr.Is(err, apperr.NotFound) {
		// Deleted since the rules were loaded: load them again and retry once.
		if err := s.Refresh(ctx); err != nil {
			return Resolution{}, err
		}
		if route, ok, err = s.Route(ctx, out.Category, out.RegionPath); err != nil || !ok {
			return out, err
		}
		rule, err = getRule(ctx, s.db.Read(), route.RuleID)
	}
	if err != nil {
		return Resolution{}, err
	}
	out.Matched, out.Rule = true, &rule
	lead, err := getDept(ctx, s.db.Read(), rule.LeadDepartment)
	if err != nil {
		return Resolution{}, err
	}
	out.Lead = &lead
	for _, code := range rule.Assisting {
		d, err := getDept(ctx, s.db.Read(), code)
		if err != nil {
			return Resolution{}, err
		}
		out.Assisting = append(out.Assisting, d)
	}
	return out, nil
}
