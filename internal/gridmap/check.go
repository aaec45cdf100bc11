package gridmap

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/paulmach/orb/geojson"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/region"
)

// CheckReport is a coverage check of a subtree: for each parent, how well its
// children tile it, and which boundaries are invalid.
type CheckReport struct {
	Code        string         `json:"code"`
	Name        string         `json:"name"`
	GeneratedAt time.Time      `json:"generated_at"`
	Parents     []ParentCheck  `json:"parents"`
	Invalid     []InvalidCheck `json:"invalid"`
	Summary     CheckSummary   `json:"summary"`
}

// ParentCheck is the coverage of one parent by its children.
type ParentCheck struct {
	Code          string            `json:"code"`
	Name          string            `json:"name"`
	Level         region.Level      `json:"level"`
	Children      int               `json:"children"`
	AreaM2        float64           `json:"area_m2"`
	CoveredShare  float64           `json:"covered_share"`
	GapAreaM2     float64           `json:"gap_area_m2"`
	OverlapAreaM2 float64           `json:"overlap_area_m2"`
	Gaps          *geojson.Geometry `json:"gaps"`
	Overlaps      []OverlapCheck    `json:"overlaps"`
	Outside       []OutsideCheck    `json:"outside"`
	// Undrawn lists children that have no boundary yet.
	Undrawn []string `json:"undrawn"`
}

// OverlapCheck is an area claimed by two children.
type OverlapCheck struct {
	A        string            `json:"a"`
	B        string            `json:"b"`
	AreaM2   float64           `json:"area_m2"`
	Geometry *geojson.Geometry `json:"geometry"`
}

// OutsideCheck is the part of a child that lies outside its parent.
type OutsideCheck struct {
	Code     string            `json:"code"`
	AreaM2   float64           `json:"area_m2"`
	Geometry *geojson.Geometry `json:"geometry"`
}

// InvalidCheck lists what is wrong with one boundary.
type InvalidCheck struct {
	Code     string   `json:"code"`
	Problems []string `json:"problems"`
}

// CheckSummary counts the findings.
type CheckSummary struct {
	Parents            int     `json:"parents"`
	WithGaps           int     `json:"with_gaps"`
	WithOverlaps       int     `json:"with_overlaps"`
	WithOutside        int     `json:"with_outside"`
	Invalid            int     `json:"invalid"`
	TotalGapAreaM2     float64 `json:"total_gap_area_m2"`
	TotalOverlapAreaM2 float64 `json:"total_overlap_area_m2"`
}

// Check runs the coverage check on the subtree under code. Grids are leaves,
// so every parent down to the villages is checked.
func (s *Service) Check(ctx context.Context, scope region.Scope, code string, progress func(done, total int)) (CheckReport, error) {
	if err := s.Locator.Refresh(ctx); err != nil {
		return CheckReport{}, err
	}
	snap := s.Locator.current()
	root, ok := snap.byCode[code]
	if !ok || !scope.Contains(root.Path) {
		return CheckReport{}, apperr.New(apperr.NotFound, "region %s not found", code)
	}
	rep := CheckReport{Code: root.Code, Name: root.Name, GeneratedAt: time.Now().UTC(), Parents: []ParentCheck{}, Invalid: []InvalidCheck{}}
	children := map[string][]*feature{}
	var parents []*feature
	for _, f := range snap.byCode {
		if len(f.Path) < len(root.Path) || f.Path[:len(root.Path)] != root.Path {
			continue
		}
		if f.Geom != nil {
			var problems []string
			for _, p := range geo.Check(f.Geom, DefaultMaxVertices) {
				problems = append(problems, p.String())
			}
			if len(problems) > 0 {
				rep.Invalid = append(rep.Invalid, InvalidCheck{Code: f.Code, Problems: problems})
			}
		}
		if f.Code != root.Code {
			children[f.Parent] = append(children[f.Parent], f)
		}
	}
	for c := range children {
		if p, ok := snap.byCode[c]; ok {
			parents = append(parents, p)
		}
	}
	sort.Slice(parents, func(i, j int) bool {
		if parents[i].Level != parents[j].Level {
			return parents[i].Level < parents[j].Level
		}
		return parents[i].Code < parents[j].Code
	})
	sort.Slice(rep.Invalid, func(i, j int) bool { return rep.Invalid[i].Code < rep.Invalid[j].Code })
	for i, p := range parents {
		if err := ctx.Err(); err != nil {
			return CheckReport{}, err
		}
		pc := ParentCheck{Code: p.Code, Name: p.Name, Level: p.Level, Children: len(children[p.Code]),
			Overlaps: []OverlapCheck{}, Outside: []OutsideCheck{}, Undrawn: []string{}}
		var kids []geo.Child
		for _, c := range children[p.Code] {
			if c.Geom == nil {
				pc.Undrawn = append(pc.Undrawn, c.Code)
				continue
			}
			kids = append(kids, geo.Child{Code: c.Code, Geom: c.Geom})
		}
		sort.Strings(pc.Undrawn)
		if p.Geom != nil && len(kids) > 0 {
			cov, err := geo.Coverage(p.Geom, kids)
			if err != nil {
				return CheckReport{}, fmt.Errorf("coverage of %s: %w", p.Code, err)
			}
			pc.AreaM2, pc.CoveredShare, pc.GapAreaM2, pc.OverlapAreaM2 = cov.ParentAreaM2, cov.CoveredShare, cov.GapAreaM2, cov.OverlapAreaM2
			if len(cov.Gaps) > 0 {
				pc.Gaps = geojson.NewGeometry(cov.Gaps)
				rep.Summary.WithGaps++
			}
			for _, o := range cov.Overlaps {
				pc.Overlaps = append(pc.Overlaps, OverlapCheck{A: o.A, B: o.B, AreaM2: o.AreaM2, Geometry: geojson.NewGeometry(o.Geom)})
			}
			if len(cov.Overlaps) > 0 {
				rep.Summary.WithOverlaps++
			}
			for _, o := range cov.Outside {
				pc.Outside = append(pc.Outside, OutsideCheck{Code: o.Code, AreaM2: o.AreaM2, Geometry: geojson.NewGeometry(o.Geom)})
			}
			if len(cov.Outside) > 0 {
				rep.Summary.WithOutside++
			}
			rep.Summary.TotalGapAreaM2 += cov.GapAreaM2
			rep.Summary.TotalOverlapAreaM2 += cov.OverlapAreaM2
		}
		rep.Parents = append(rep.Parents, pc)
		if progress != nil {
			progress(i+1, len(parents))
		}
	}
	rep.Summary.Parents = len(rep.Parents)
	rep.Summary.Invalid = len(rep.Invalid)
	return rep, nil
}
