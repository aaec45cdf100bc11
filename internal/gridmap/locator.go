package gridmap

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/tidwall/rtree"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/memcopy"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/spatial"
)

// feature is one polygon of the map held in memory.
type feature struct {
	Code, Name, Parent, Path string
	Level                    region.Level
	Kind                     region.GridKind
	Subtype                  string
	Layer                    string // overlay layer; empty for regions
	Geom                     orb.MultiPolygon
}

// stationPoint is a station held in memory.
type stationPoint struct {
	region.Station
	Path string
}

// layerIndex answers which polygons of one layer hold a point and which lie
// in a box (for tiles).
type layerIndex struct {
	features []feature
	points   *spatial.Index
	boxes    rtree.RTreeG[int]
}

func newLayerIndex(fs []feature) *layerIndex {
	li := &layerIndex{features: fs}
	polys := make([]spatial.Polygon, len(fs))
	for i, f := range fs {
		polys[i] = spatial.Polygon{ID: uint32(i), Geom: f.Geom}
		b := f.Geom.Bound()
		li.boxes.Insert([2]float64{b.Min[0], b.Min[1]}, [2]float64{b.Max[0], b.Max[1]}, i)
	}
	li.points = spatial.NewIndex(polys)
	return li
}

// snapshot is the whole map at one version; it never changes once built.
type snapshot struct {
	version  int64
	builtAt  time.Time
	levels   [region.Grid + 1]*layerIndex // by level; grids hold both kinds
	overlays map[string]*layerIndex       // by layer name
	byCode   map[string]*feature          // regions with or without a boundary
	stations []stationPoint
	nearest  *spatial.PointIndex
	bound    orb.Bound
}

// Locator keeps the current snapshot and swaps in a new one when the map
// changes. Reads never wait for a rebuild.
type Locator struct {
	held *memcopy.Copy[snapshot]
}

// NewLocator returns a Locator; call Refresh before use.
func NewLocator(d *db.DB, log *slog.Logger) *Locator {
	if log == nil {
		log = slog.Default()
	}
	version := func(ctx context.Context) (int64, error) {
		var v int64
		if err := d.Read().QueryRowContext(ctx, `SELECT version FROM map_state WHERE id = 1`).Scan(&v); err != nil {
			return 0, fmt.Errorf("map version: %w", err)
		}
		return v, nil
	}
	build := func(ctx context.Context, v int64) (*snapshot, error) {
		start := time.Now()
		s, err := load(ctx, d, v)
		if err != nil {
			return nil, err
		}
		log.LogAttrs(ctx, slog.LevelInfo, "map index built", slog.Int64("version", v),
			slog.Int("regions", len(s.byCode)), slog.Int("stations", len(s.stations)), slog.Duration("took", time.Since(start)))
		return s, nil
	}
	return &Locator{held: memcopy.New("map index", log, version, build)}
}

func (l *Locator) current() *snapshot {
	if s := l.held.Loaded(); s != nil {
		return s
	}
	return &snapshot{version: -1, overlays: map[string]*layerIndex{}, byCode: map[string]*feature{}}
}

// Refresh rebuilds the index when the stored map version differs from the
// one in memory.
func (l *Locator) Refresh(ctx context.Context) error { return l.held.Refresh(ctx) }

// Watch refreshes every interval until ctx ends, so that changes made by
// other server processes reach this one.
func (l *Locator) Watch(ctx context.Context, interval time.Duration) { l.held.Watch(ctx, interval) }

func load(ctx context.Context, d *db.DB, version int64) (*snapshot, error) {
	s := &snapshot{version: version, builtAt: time.Now(), overlays: map[string]*layerIndex{}, byCode: map[string]*feature{}}
	rows, err := d.Read().QueryContext(ctx, `SELECT code, name, level, COALESCE(parent_code, ''), path, kind, subtype, boundary FROM regions`)
	if err != nil {
		return nil, fmt.Errorf("load map: %w", err)
	}
	var byLevel [region.Grid + 1][]feature
	for rows.Next() {
		var f feature
		var kind string
		var blob []byte
		if err := rows.Scan(&f.Code, &f.Name, &f.Level, &f.Parent, &f.Path, &kind, &f.Subtype, &blob); err != nil {
			rows.Close()
			return nil, fmt.Errorf("load map: %w", err)
		}
		f.Kind = region.GridKind(kind)
		if f.Geom, err = decodeBoundary(blob); err != nil {
			rows.Close()
			return nil, fmt.Errorf("load map: region %s: %w", f.Code, err)
		}
		if f.Geom != nil && f.Level.Valid() {
			byLevel[f.Level] = append(byLevel[f.Level], f)
			s.bound = extend(s.bound, f.Geom.Bound(), len(s.byCode) == 0)
		}
		fc := f
		s.byCode[f.Code] = &fc
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load map: %w", err)
	}
	for l := region.City; l <= region.Grid; l++ {
		sort.Slice(byLevel[l], func(i, j int) bool { return byLevel[l][i].Code < byLevel[l][j].Code })
		s.levels[l] = newLayerIndex(byLevel[l])
	}

	rows, err = d.Read().QueryContext(ctx, `SELECT layer, code, name, boundary FROM overlays ORDER BY layer, code`)
	if err != nil {
		return nil, fmt.Errorf("load overlays: %w", err)
	}
	byLayer := map[string][]feature{}
	for rows.Next() {
		var f feature
		var blob []byte
		if err := rows.Scan(&f.Layer, &f.Code, &f.Name, &blob); err != nil {
			rows.Close()
			return nil, fmt.Errorf("load overlays: %w", err)
		}
		if f.Geom, err = decodeBoundary(blob); err != nil {
			rows.Close()
			return nil, fmt.Errorf("load overlay %s/%s: %w", f.Layer, f.Code, err)
		}
		byLayer[f.Layer] = append(byLayer[f.Layer], f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load overlays: %w", err)
	}
	for layer, fs := range byLayer {
		s.overlays[layer] = newLayerIndex(fs)
	}

	rows, err = d.Read().QueryContext(ctx, `SELECT code, name, address, opening_hours, lng, lat, grid_code, grid_path FROM stations ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("load stations: %w", err)
	}
	for rows.Next() {
		var st stationPoint
		if err := rows.Scan(&st.Code, &st.Name, &st.Address, &st.OpeningHours, &st.Location[0], &st.Location[1], &st.GridCode, &st.Path); err != nil {
			rows.Close()
			return nil, fmt.Errorf("load stations: %w", err)
		}
		s.stations = append(s.stations, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load stations: %w", err)
	}
	pts := make([]spatial.Point, len(s.stations))
	for i, st := range s.stations {
		pts[i] = spatial.Point{ID: uint32(i), P: st.Location}
	}
	s.nearest = spatial.NewPointIndex(pts)
	return s, nil
}

func extend(a, b orb.Bound, first bool) orb.Bound {
	if first || a.IsZero() {
		return b
	}
	return a.Union(b)
}

// OverlayHit names an overlay polygon that holds a point.
type OverlayHit struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// NearestStation is the closest station to a point.
type NearestStation struct {
	Code         string  `json:"code"`
	Name         string  `json:"name"`
	Address      string  `json:"address"`
	OpeningHours string  `json:"opening_hours"`
	DistanceM    float64 `json:"distance_m"`
	Lng          float64 `json:"lng"`
	Lat          float64 `json:"lat"`
}

// GridRef describes the grid holding a point.
type GridRef struct {
	Code    string          `json:"code"`
	Name    string          `json:"name"`
	Kind    region.GridKind `json:"kind"`
	Subtype string          `json:"subtype,omitempty"`
}

// Location is the answer for one point.
type Location struct {
	Point    [2]float64              `json:"point"`
	Chain    []region.Link           `json:"chain"`
	Grid     *GridRef                `json:"grid"`
	InScope  bool                    `json:"in_scope"`
	Overlays map[string][]OverlayHit `json:"overlays"`
	Nearest  *NearestStation         `json:"nearest_station"`
}

// Locate places a WGS-84 point: the deepest region holding it and its chain,
// the overlay polygons holding it by layer, and the nearest station in scope.
func (l *Locator) Locate(p orb.Point, scope region.Scope) Location {
	s := l.current()
	loc := Location{Point: [2]float64{p[0], p[1]}, Chain: []region.Link{}, Overlays: map[string][]OverlayHit{}}
	for lv := region.Grid; lv >= region.City; lv-- {
		li := s.levels[lv]
		if li == nil {
			continue
		}
		id, ok := li.points.Locate(p)
		if !ok {
			continue
		}
		f := li.features[id]
		if !s.withinAncestors(f, p) {
			continue
		}
		loc.Chain = s.chain(f.Code)
		loc.InScope = scope.Contains(f.Path)
		if lv == region.Grid {
			loc.Grid = &GridRef{Code: f.Code, Name: f.Name, Kind: f.Kind, Subtype: f.Subtype}
		}
		break
	}
	var ids []uint32
	for layer, li := range s.overlays {
		ids = li.points.LocateAll(p, ids[:0])
		for _, id := range ids {
			f := li.features[id]
			loc.Overlays[layer] = append(loc.Overlays[layer], OverlayHit{Code: f.Code, Name: f.Name})
		}
	}
	if s.nearest != nil {
		if id, dist, ok := s.nearest.Nearest(p); ok {
			st := s.stations[id]
			if scope.Contains(st.Path) {
				loc.Nearest = &NearestStation{Code: st.Code, Name: st.Name, Address: st.Address, OpeningHours: st.OpeningHours,
					DistanceM: dist, Lng: st.Location[0], Lat: st.Location[1]}
			}
		}
	}
	return loc
}

// GridAt returns the grid holding a WGS-84 point, for placing houses, events
// and stations.
func (l *Locator) GridAt(p orb.Point) (code, path string, ok bool) {
	s := l.current()
	li := s.levels[region.Grid]
	if li == nil {
		return "", "", false
	}
	id, ok := li.points.Locate(p)
	if !ok {
		return "", "", false
	}
	f := li.features[id]
	if !s.withinAncestors(f, p) {
		return "", "", false
	}
	return f.Code, f.Path, true
}

// withinAncestors reports whether every ancestor of f that has a boundary
// holds p too. Import refuses a region drawn outside its parent, but one
// stored before that check must not answer for a point its chain does not
// cover.
func (s *snapshot) withinAncestors(f feature, p orb.Point) bool {
	for c := f.Parent; c != ""; {
		a, ok := s.byCode[c]
		if !ok {
			return true
		}
		if a.Geom != nil && a.Level.Valid() {
			// The index answers fast; the exact test only runs when it gives
			// the point to another region of the level (overlapping parents).
			li := s.levels[a.Level]
			id, hit := li.points.Locate(p)
			if (!hit || li.features[id].Code != a.Code) && !planar.MultiPolygonContains(a.Geom, p) {
				return false
			}
		}
		c = a.Parent
	}
	return true
}

func (s *snapshot) chain(code string) []region.Link {
	var out []region.Link
	for c := code; c != ""; {
		f, ok := s.byCode[c]
		if !ok {
			break
		}
		out = append(out, region.Link{Code: f.Code, Name: f.Name, Level: f.Level})
		c = f.Parent
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// Version is the map version of the snapshot in use.
func (l *Locator) Version() int64 { return l.current().version }

// Bound is the extent of every boundary on the map.
func (l *Locator) Bound() orb.Bound { return l.current().bound }
