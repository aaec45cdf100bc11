// Package gridmap is the city's electronic grid map: region boundaries,
// overlay networks and stations, their import and export, the in-memory
// index that answers "which grid is this point in", coverage checks and map
// tiles.
package gridmap

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/region"
)

// Store writes the map's geometry.
type Store struct {
	db  *db.DB
	now func() time.Time
}

// NewStore returns a Store over d.
func NewStore(d *db.DB, now func() time.Time) *Store { return &Store{db: d, now: now} }

// Item is one feature to import: a region, or the reason it could not even be read.
type Item struct {
	Index  int
	Region region.Region
	Err    string
}

// Rejection names a feature that was not stored and why.
type Rejection struct {
	Index  int    `json:"index"`
	Code   string `json:"code"`
	Reason string `json:"reason"`
	// Field names the property refused, where the reason does not, so that
	// an API storing one feature can name its field.
	Field string `json:"field,omitempty"`
	// Conflict marks a feature refused because of what is stored under its
	// code rather than for what it says.
	Conflict bool `json:"-"`
}

// ImportResult counts what an import did. Stored is false when an
// all-or-nothing import was refused as a whole.
type ImportResult struct {
	Created   int         `json:"created"`
	Updated   int         `json:"updated"`
	Unchanged int         `json:"unchanged"`
	Rejected  []Rejection `json:"rejected"`
	Stored    bool        `json:"stored"`
}

// ImportOptions tune ImportRegions.
type ImportOptions struct {
	// Partial stores the good features of a file with bad ones; otherwise one
	// bad feature refuses the whole file.
	Partial bool
	// Source names the file in the audit log.
	Source string
	// Progress, when set, is called after each feature.
	Progress func(done, total int)
}

var errRefused = errors.New("import refused")

// ImportRegions creates or updates regions by code, parents before children.
// Re-importing the same features changes nothing; a redrawn boundary keeps the
// old one in the history with the time it stopped applying.
func (s *Store) ImportRegions(ctx context.Context, actor audit.Actor, scope region.Scope, items []Item, opts ImportOptions) (ImportResult, error) {
	res := ImportResult{Rejected: []Rejection{}}
	sorted := append([]Item(nil), items...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Region.Level < sorted[j].Region.Level })
	now := audit.Canonical(s.now())
	geometryChanged := false
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		batch := map[string]region.Region{} // codes handled in this file
		seen := codesSeen{}
		for n, it := range sorted {
			if opts.Progress != nil {
				opts.Progress(n+1, len(sorted))
			}
			r := it.Region
			reject := func(reason string) {
				res.Rejected = append(res.Rejected, Rejection{Index: it.Index, Code: r.Code, Reason: reason})
			}
			if it.Err != "" {
				reject(it.Err)
				continue
			}
			if reason := seen.repeat(r.Code, it.Index); reason != "" {
				reject(reason)
				continue
			}
			outcome, err := s.upsertRegion(ctx, tx, scope, batch, r, now)
			var e *apperr.Error
			if errors.As(err, &e) {
				reason := e.Message
				if len(e.Fields) > 0 {
					reason = e.Fields[0].Field + ": " + e.Fields[0].Reason
				}
				reject(reason)
				continue
			}
			if err != nil {
				return err
			}
			switch outcome {
			case created:
				res.Created++
			case updated:
				res.Updated++
			default:
				res.Unchanged++
			}
			if outcome != unchanged && r.Boundary != nil {
				geometryChanged = true
			}
		}
		if len(res.Rejected) > 0 && !opts.Partial {
			return errRefused
		}
		if geometryChanged {
			if err := bumpMapVersion(ctx, tx); err != nil {
				return err
			}
		}
		if res.Created+res.Updated == 0 {
			return nil
		}
		_, err := audit.Append(ctx, tx, now, audit.Record{Actor: actor, Action: "region.import", TargetType: "region",
			Detail: map[string]any{"source": opts.Source, "created": res.Created, "updated": res.Updated,
				"unchanged": res.Unchanged, "rejected": len(res.Rejected)}})
		return err
	})
	sort.Slice(res.Rejected, func(i, j int) bool { return res.Rejected[i].Index < res.Rejected[j].Index })
	if errors.Is(err, errRefused) {
		res.Created, res.Updated, res.Unchanged = 0, 0, 0
		return res, nil
	}
	if err != nil {
		return ImportResult{}, err
	}
	res.Stored = true
	return res, nil
}

// codesSeen remembers where each code of one file was first given: a code
// given twice would have its second feature silently replace the first.
type codesSeen map[string]int

// repeat notes code at feature index and, when the file gave it before,
// returns the reason to refuse this feature.
func (s codesSeen) repeat(code string, index int) string {
	if first, dup := s[code]; dup {
		return fmt.Sprintf("code %s appears twice in the file (also feature %d)", code, first)
	}
	s[code] = index
	return ""
}

type outcome int

const (
	unchanged outcome = iota
	created
	updated
)

// upsertRegion stores one region; domain problems come back as *apperr.Error.
func (s *Store) upsertRegion(ctx context.Context, tx *sql.Tx, scope region.Scope, batch map[string]region.Region, r region.Region, now time.Time) (outcome, error) {
	var parent *region.Region
	if r.ParentCode != "" {
		p, ok := batch[r.ParentCode]
		if !ok {
			found, err := region.Lookup(ctx, tx, r.ParentCode)
			if apperr.Is(err, apperr.NotFound) {
				return 0, apperr.Field("parent_code", fmt.Sprintf("parent %s does not exist", r.ParentCode))
			}
			if err != nil {
				return 0, err
			}
			p = found
		}
		if !scope.Contains(p.Path) {
			return 0, apperr.Field("parent_code", fmt.Sprintf("parent %s does not exist", r.ParentCode))
		}
		parent = &p
	} else if !scope.IsAll() {
		return 0, apperr.Field("parent_code", "only a deployment-wide administrator may import a city")
	}
	if r.ValidFrom.IsZero() {
		r.ValidFrom = now
	}
	if err := r.Validate(parent); err != nil {
		return 0, err
	}
	if parent != nil && r.Boundary != nil {
		if err := s.checkWithinParent(ctx, tx, *parent, r); err != nil {
			return 0, err
		}
	}
	parentPath := ""
	var parentCode any
	if parent != nil {
		parentPath, parentCode = parent.Path, parent.Code
	}
	r.Path = region.ChildPath(parentPath, r.Code)
	var blob []byte
	var minLng, minLat, maxLng, maxLat, area any
	if r.Boundary != nil {
		b, err := wkb.Marshal(r.Boundary)
		if err != nil {
			return 0, fmt.Errorf("encode boundary %s: %w", r.Code, err)
		}
		blob = b
		bound := r.Boundary.Bound()
		minLng, minLat, maxLng, maxLat = bound.Min[0], bound.Min[1], bound.Max[0], bound.Max[1]
		area = geo.AreaM2(r.Boundary)
	}

	var old struct {
		name, parent, kind, subtype string
		level                       region.Level
		boundary                    []byte
		validFrom                   time.Time
	}
	err := tx.QueryRowContext(ctx, `SELECT name, level, COALESCE(parent_code, ''), kind, subtype, boundary, valid_from
		FROM regions WHERE code = $1`, r.Code).Scan(&old.name, &old.level, &old.parent, &old.kind, &old.subtype, &old.boundary, &old.validFrom)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.ExecContext(ctx, `INSERT INTO regions (code, name, level, parent_code, path, valid_from, created_at, updated_at,
			kind, subtype, boundary, min_lng, min_lat, max_lng, max_lat, area_m2)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
			r.Code, r.Name, r.Level, parentCode, r.Path, audit.Canonical(r.ValidFrom), now, string(r.Kind), r.Subtype,
			blob, minLng, minLat, maxLng, maxLat, area); err != nil {
			return 0, fmt.Errorf("insert region %s: %w", r.Code, err)
		}
		batch[r.Code] = r
		return created, nil
	case err != nil:
		return 0, fmt.Errorf("load region %s: %w", r.Code, err)
	}
	batch[r.Code] = r
	if old.level != r.Level || old.parent != r.ParentCode {
		return 0, apperr.Field("parent_code", fmt.Sprintf("%s exists as a %s under %q; an import cannot move it", r.Code, old.level, old.parent))
	}
	sameShape := r.Boundary == nil || string(old.boundary) == string(blob) || nearlyEqual(old.boundary, r.Boundary)
	if old.name == r.Name && old.kind == string(r.Kind) && old.subtype == r.Subtype && sameShape {
		return unchanged, nil
	}
	validFrom := old.validFrom
	if !sameShape {
		if old.boundary != nil {
			if _, err := tx.ExecContext(ctx, `INSERT INTO region_boundary_history (code, boundary, valid_from, valid_to) VALUES ($1, $2, $3, $4)`,
				r.Code, old.boundary, old.validFrom, now); err != nil {
				return 0, fmt.Errorf("keep old boundary of %s: %w", r.Code, err)
			}
		}
		validFrom = now
	}
	if r.Boundary == nil {
		_, err = tx.ExecContext(ctx, `UPDATE regions SET name = $1, kind = $2, subtype = $3, updated_at = $4, version = version + 1 WHERE code = $5`,
			r.Name, string(r.Kind), r.Subtype, now, r.Code)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE regions SET name = $1, kind = $2, subtype = $3, boundary = $4, min_lng = $5, min_lat = $6,
			max_lng = $7, max_lat = $8, area_m2 = $9, valid_from = $10, updated_at = $11, version = version + 1 WHERE code = $12`,
			r.Name, string(r.Kind), r.Subtype, blob, minLng, minLat, maxLng, maxLat, area, validFrom, now, r.Code)
	}
	if err != nil {
		return 0, fmt.Errorf("update region %s: %w", r.Code, err)
	}
	return updated, nil
}

// minInsideParent is the share of a region's area that must lie inside its
// parent's boundary. Boundaries drawn by different hands (a county from the
// civil affairs office, its townships from a survey) disagree along shared
// edges, so a child may stick out in slivers; a percent of its area allows
// for that, while a region drawn in the wrong place, which would capture
// point lookups far from its parent, lies mostly or wholly outside.
const minInsideParent = 0.99

// checkWithinParent refuses a region whose boundary does not lie within its
// parent's; a parent without a boundary constrains nothing.
func (s *Store) checkWithinParent(ctx context.Context, tx *sql.Tx, parent, r region.Region) error {
	bound := parent.Boundary
	if bound == nil {
		var blob []byte
		err := tx.QueryRowContext(ctx, `SELECT boundary FROM regions WHERE code = $1`, parent.Code).Scan(&blob)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("load boundary of %s: %w", parent.Code, err)
		}
		if bound, err = decodeBoundary(blob); err != nil {
			return fmt.Errorf("boundary of %s: %w", parent.Code, err)
		}
	}
	if bound == nil {
		return nil
	}
	share, err := geo.OverlapShare(r.Boundary, bound)
	if err != nil {
		return fmt.Errorf("compare %s with its parent %s: %w", r.Code, parent.Code, err)
	}
	if share < minInsideParent {
		return apperr.Field("boundary", fmt.Sprintf("%s lies outside its parent %s: %.1f%% of its area is inside it, at least %.0f%% must be",
			r.Code, parent.Code, math.Floor(share*1000)/10, minInsideParent*100))
	}
	return nil
}

// shapeTolerance is about a centimetre: a boundary that moved less than this
// everywhere (a round trip through GCJ-02, a re-export) has not been redrawn.
const shapeTolerance = 1e-7

func nearlyEqual(oldBlob []byte, mp orb.MultiPolygon) bool {
	old, err := decodeBoundary(oldBlob)
	if err != nil || len(old) != len(mp) {
		return false
	}
	for i := range old {
		if len(old[i]) != len(mp[i]) {
			return false
		}
		for j := range old[i] {
			a, b := old[i][j], mp[i][j]
			if len(a) != len(b) {
				return false
			}
			for k := range a {
				if math.Abs(a[k][0]-b[k][0]) > shapeTolerance || math.Abs(a[k][1]-b[k][1]) > shapeTolerance {
					return false
				}
			}
		}
	}
	return true
}

func bumpMapVersion(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `UPDATE map_state SET version = version + 1 WHERE id = 1`); err != nil {
		return fmt.Errorf("bump map version: %w", err)
	}
	return nil
}

// MapVersion is the counter bumped by every change of geometry.
func (s *Store) MapVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.db.Read().QueryRowContext(ctx, `SELECT version FROM map_state WHERE id = 1`).Scan(&v); err != nil {
		return 0, fmt.Errorf("map version: %w", err)
	}
	return v, nil
}

// Boundary returns a region's boundary (nil when it has none).
func (s *Store) Boundary(ctx context.Context, code string) (orb.MultiPolygon, error) {
	var blob []byte
	err := s.db.Read().QueryRowContext(ctx, `SELECT boundary FROM regions WHERE code = $1`, code).Scan(&blob)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "region %s not found", code)
	}
	if err != nil {
		return nil, fmt.Errorf("boundary of %s: %w", code, err)
	}
	return decodeBoundary(blob)
}

func decodeBoundary(blob []byte) (orb.MultiPolygon, error) {
	if blob == nil {
		return nil, nil
	}
	g, err := wkb.Unmarshal(blob)
	if err != nil {
		return nil, fmt.Errorf("decode boundary: %w", err)
	}
	switch g := g.(type) {
	case orb.MultiPolygon:
		return g, nil
	case orb.Polygon:
		return orb.MultiPolygon{g}, nil
	default:
		return nil, fmt.Errorf("decode boundary: stored %s, want a multipolygon", g.GeoJSONType())
	}
}
