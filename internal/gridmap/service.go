package gridmap

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"regexp"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/planar"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/plaintext"
	"github.com/gridgov/gridgov/internal/region"
)

// Service is the grid map: storage plus the in-memory index.
type Service struct {
	*Store
	Locator *Locator
	db      *db.DB
}

// NewService returns the map service over d.
func NewService(d *db.DB, loc *Locator, now func() time.Time) *Service {
	return &Service{Store: NewStore(d, now), Locator: loc, db: d}
}

// minShare is the smallest share of a grid an overlay must cover to be linked;
// below it the touch is drawing noise along a shared border.
const minShare = 0.001

// ImportOverlays creates or replaces overlay polygons of their layers and
// links each to the comprehensive and exclusive grids it overlaps, with the
// share of the grid it covers. The grids must already be on the map.
func (s *Service) ImportOverlays(ctx context.Context, actor audit.Actor, scope region.Scope, overlays []region.Overlay) (ImportResult, error) {
	res := ImportResult{Rejected: []Rejection{}}
	if !scope.IsAll() {
		return res, apperr.New(apperr.Forbidden, "overlay networks span the city; only a deployment-wide administrator may import them")
	}
	if err := s.Locator.Refresh(ctx); err != nil {
		return res, err
	}
	snap := s.Locator.current()
	grids := snap.levels[region.Grid]
	type prepared struct {
		o      region.Overlay
		index  int
		blob   []byte
		area   float64
		links  []region.OverlayLink
		inside float64 // the share of its area inside the city, -1 unknown
	}
	var ready []prepared
	seen := map[string]codesSeen{} // by layer
	for i, o := range overlays {
		reject := func(reason string) {
			res.Rejected = append(res.Rejected, Rejection{Index: i, Code: o.Code, Reason: reason})
		}
		switch {
		case region.ValidateLayer(o.Layer) != nil:
			reject(region.ValidateLayer(o.Layer).Error())
			continue
		case !mapCode.MatchString(o.Code):
			reject("code must be 1-64 letters, digits, '_' or '-'")
			continue
		case strings.TrimSpace(o.Name) == "":
			reject("name must not be empty")
			continue
		case len(o.Boundary) == 0:
			reject("boundary must not be empty")
			continue
		}
		if seen[o.Layer] == nil {
			seen[o.Layer] = codesSeen{}
		}
		if reason := seen[o.Layer].repeat(o.Code, i); reason != "" {
			reject(reason)
			continue
		}
		blob, err := wkb.Marshal(o.Boundary)
		if err != nil {
			return res, fmt.Errorf("encode overlay %s: %w", o.Code, err)
		}
		p := prepared{o: o, index: i, blob: blob, area: geo.AreaM2(o.Boundary)}
		ready = append(ready, p)
	}
	if len(res.Rejected) > 0 {
		return res, nil
	}
	// Exact intersections dominate an import; they are independent, so
	// they run on every core.
	g, _ := errgroup.WithContext(ctx)
	g.SetLimit(runtime.NumCPU())
	for i := range ready {
		g.Go(func() error {
			inside, err := snap.insideCity(ready[i].o.Boundary)
			if err != nil {
				return fmt.Errorf("overlay %s within the city: %w", ready[i].o.Code, err)
			}
			ready[i].inside = inside
			if grids != nil {
				ready[i].links, err = linkOverlay(grids, ready[i].o)
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return res, err
	}
	for _, p := range ready {
		if p.inside >= 0 && p.inside < minInsideCity {
			res.Rejected = append(res.Rejected, Rejection{Index: p.index, Code: p.o.Code, Field: "boundary",
				Reason: fmt.Sprintf("%s lies outside the city: %.1f%% of its area is inside the city's regions, more than %.0f%% must be",
					p.o.Code, math.Floor(p.inside*1000)/10, minInsideCity*100)})
		}
	}
	if len(res.Rejected) > 0 {
		return res, nil
	}
	now := audit.Canonical(s.now())
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		for _, p := range ready {
			b := p.o.Boundary.Bound()
			r, err := tx.ExecContext(ctx, `UPDATE overlays SET name = $1, boundary = $2, min_lng = $3, min_lat = $4, max_lng = $5,
				max_lat = $6, area_m2 = $7, updated_at = $8, version = version + 1 WHERE layer = $9 AND code = $10`,
				p.o.Name, p.blob, b.Min[0], b.Min[1], b.Max[0], b.Max[1], p.area, now, p.o.Layer, p.o.Code)
			if err != nil {
				return fmt.Errorf("update overlay %s: %w", p.o.Code, err)
			}
			if n, _ := r.RowsAffected(); n == 0 {
				if _, err := tx.ExecContext(ctx, `INSERT INTO overlays (layer, code, name, boundary, min_lng, min_lat, max_lng, max_lat, area_m2, created_at, updated_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
					p.o.Layer, p.o.Code, p.o.Name, p.blob, b.Min[0], b.Min[1], b.Max[0], b.Max[1], p.area, now); err != nil {
					return fmt.Errorf("insert overlay %s: %w", p.o.Code, err)
				}
				res.Created++
			} else {
				res.Updated++
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM overlay_links WHERE layer = $1 AND overlay_code = $2`, p.o.Layer, p.o.Code); err != nil {
				return fmt.Errorf("relink overlay %s: %w", p.o.Code, err)
			}
			for _, l := range p.links {
				if _, err := tx.ExecContext(ctx, `INSERT INTO overlay_links (layer, overlay_code, grid_code, share) VALUES ($1, $2, $3, $4)`,
					l.Layer, l.OverlayCode, l.GridCode, l.Share); err != nil {
					return fmt.Errorf("link overlay %s to %s: %w", l.OverlayCode, l.GridCode, err)
				}
			}
		}
		if err := bumpMapVersion(ctx, tx); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, now, audit.Record{Actor: actor, Action: "overlay.import", TargetType: "overlay",
			Detail: map[string]any{"created": res.Created, "updated": res.Updated}})
		return err
	})
	if err != nil {
		return ImportResult{}, err
	}
	res.Stored = true
	return res, s.Locator.Refresh(ctx)
}

// minInsideCity is the share of an overlay's area that must lie inside the
// city. An overlay network (police districts, mediation areas) is drawn by
// its own agency along its own lines, which may run past the city's edge in
// places, so it need not lie within as closely as a region within its
// parent; but it serves the city's grids, and one that lies mostly or
// wholly outside (another city's, or points in the wrong order or system)
// would answer lookups far from any grid it serves.
const minInsideCity = 0.5

// insideCity is the share of mp's area that lies inside the city: inside
// the regions of the highest level the map has boundaries for. It is -1
// when the map has none, which constrains nothing.
func (s *snapshot) insideCity(mp orb.MultiPolygon) (float64, error) {
	area := geo.AreaM2(mp)
	for l := region.City; l <= region.Grid; l++ {
		li := s.levels[l]
		if li == nil || len(li.features) == 0 {
			continue
		}
		if !(area > 0) {
			return 0, nil
		}
		b := mp.Bound()
		inside := 0.0
		var err error
		li.boxes.Search([2]float64{b.Min[0], b.Min[1]}, [2]float64{b.Max[0], b.Max[1]}, func(_, _ [2]float64, id int) bool {
			var inter orb.MultiPolygon
			if inter, err = geo.Intersection(mp, li.features[id].Geom); err != nil {
				return false
			}
			inside += geo.AreaM2(inter)
			return true
		})
		return min(inside/area, 1), err
	}
	return -1, nil
}

// linkOverlay finds the grids an overlay polygon covers and the share of each.
func linkOverlay(grids *layerIndex, o region.Overlay) ([]region.OverlayLink, error) {
	b := o.Boundary.Bound()
	var candidates []int
	grids.boxes.Search([2]float64{b.Min[0], b.Min[1]}, [2]float64{b.Max[0], b.Max[1]}, func(_, _ [2]float64, id int) bool {
		candidates = append(candidates, id)
		return true
	})
	var links []region.OverlayLink
	for _, id := range candidates {
		g := grids.features[id]
		share, err := geo.OverlapShare(g.Geom, o.Boundary)
		if err != nil {
			return nil, fmt.Errorf("overlay %s over grid %s: %w", o.Code, g.Code, err)
		}
		if share >= minShare {
			links = append(links, region.OverlayLink{Layer: o.Layer, OverlayCode: o.Code, GridCode: g.Code, Share: min(share, 1)})
		}
	}
	return links, nil
}

// mapCode is the form of a station's or an overlay's code, as of other
// codes people type: letters, digits, '_' and '-'.
var mapCode = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// checkStationText checks a station's name, address and opening hours as
// text shown to residents: plain, and of a sane length. It returns the
// first refusal, naming its field.
func checkStationText(st region.Station) *apperr.FieldError {
	var fs apperr.Fields
	plaintext.Check(&fs, "name", st.Name, 100, true)
	plaintext.Check(&fs, "address", st.Address, 200, false)
	plaintext.Check(&fs, "opening_hours", st.OpeningHours, 100, false)
	if len(fs) == 0 {
		return nil
	}
	return &fs[0]
}

// ImportStations creates or updates stations by code. A station without a
// grid code is placed in the grid that holds its location; one with a grid
// code must lie inside that grid.
func (s *Service) ImportStations(ctx context.Context, actor audit.Actor, scope region.Scope, stations []region.Station) (ImportResult, error) {
	res := ImportResult{Rejected: []Rejection{}}
	if err := s.Locator.Refresh(ctx); err != nil {
		return res, err
	}
	type placed struct {
		st    region.Station
		path  string
		index int
	}
	var ready []placed
	snap := s.Locator.current()
	seen := codesSeen{}
	for i, st := range stations {
		reject := func(reason, field string) {
			res.Rejected = append(res.Rejected, Rejection{Index: i, Code: st.Code, Reason: reason, Field: field})
		}
		if strings.TrimSpace(st.Code) == "" || strings.TrimSpace(st.Name) == "" {
			field := "code"
			if strings.TrimSpace(st.Code) != "" {
				field = "name"
			}
			reject("code and name are required", field)
			continue
		}
		if !mapCode.MatchString(st.Code) {
			reject("code must be 1-64 letters, digits, '_' or '-'", "code")
			continue
		}
		if f := checkStationText(st); f != nil {
			reject(f.Reason, f.Field)
			continue
		}
		if reason := seen.repeat(st.Code, i); reason != "" {
			reject(reason, "code")
			continue
		}
		if err := geo.ValidatePoint(st.Location[0], st.Location[1], geo.WGS84); err != nil {
			reject("location: "+err.Error(), "lng")
			continue
		}
		gridField := "grid_code"
		if st.GridCode == "" {
			code, _, ok := s.Locator.GridAt(st.Location)
			if !ok {
				reject("location is not inside any grid", "lng")
				continue
			}
			st.GridCode, gridField = code, "lng"
		}
		g, ok := snap.byCode[st.GridCode]
		if !ok || g.Level != region.Grid || !scope.Contains(g.Path) {
			reject(fmt.Sprintf("grid %s does not exist", st.GridCode), gridField)
			continue
		}
		// The location places a station, as it places an event; a grid
		// given with it must be one that holds it, else the station would
		// be listed under a grid it is not in.
		if g.Geom != nil && !planar.MultiPolygonContains(g.Geom, st.Location) {
			reject(fmt.Sprintf("the location (lng, lat) lies outside grid %s; give the grid that holds it, or leave grid_code out", st.GridCode), "grid_code")
			continue
		}
		ready = append(ready, placed{st: st, path: g.Path, index: i})
	}
	if len(res.Rejected) > 0 {
		return res, nil
	}
	now := audit.Canonical(s.now())
	var createdCodes, updatedCodes []string
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		for _, p := range ready {
			st := p.st
			// A code is the station's identity: one stored outside the
			// caller's area is not theirs to rename or move, and the refusal
			// does not say where it is.
			var storedPath string
			err := tx.QueryRowContext(ctx, `SELECT grid_path FROM stations WHERE code = $1`, st.Code).Scan(&storedPath)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				if _, err := tx.ExecContext(ctx, `INSERT INTO stations (code, name, address, opening_hours, lng, lat, grid_code, grid_path, created_at, updated_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
					st.Code, st.Name, st.Address, st.OpeningHours, st.Location[0], st.Location[1], st.GridCode, p.path, now); err != nil {
					return fmt.Errorf("insert station %s: %w", st.Code, err)
				}
				res.Created++
				createdCodes = append(createdCodes, st.Code)
				continue
			case err != nil:
				return fmt.Errorf("load station %s: %w", st.Code, err)
			case !scope.Contains(storedPath):
				res.Rejected = append(res.Rejected, Rejection{Index: p.index, Code: st.Code,
					Reason: fmt.Sprintf("station %s exists outside your area", st.Code), Conflict: true})
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE stations SET name = $1, address = $2, opening_hours = $3, lng = $4, lat = $5,
				grid_code = $6, grid_path = $7, updated_at = $8, version = version + 1 WHERE code = $9`,
				st.Name, st.Address, st.OpeningHours, st.Location[0], st.Location[1], st.GridCode, p.path, now, st.Code); err != nil {
				return fmt.Errorf("update station %s: %w", st.Code, err)
			}
			res.Updated++
			updatedCodes = append(updatedCodes, st.Code)
		}
		if len(res.Rejected) > 0 {
			return errRefused
		}
		if err := bumpMapVersion(ctx, tx); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, now, audit.Record{Actor: actor, Action: "station.import", TargetType: "station",
			Detail: map[string]any{"created": res.Created, "updated": res.Updated,
				"created_codes": firstCodes(createdCodes), "updated_codes": firstCodes(updatedCodes)}})
		return err
	})
	if errors.Is(err, errRefused) {
		res.Created, res.Updated = 0, 0
		return res, nil
	}
	if err != nil {
		return ImportResult{}, err
	}
	res.Stored = true
	return res, s.Locator.Refresh(ctx)
}

// auditCodes bounds the codes an import's audit entry lists; the counts say
// how many more there were.
const auditCodes = 100

func firstCodes(codes []string) []string {
	if codes == nil {
		return []string{}
	}
	return codes[:min(len(codes), auditCodes)]
}

// ExportRegions streams the subtree under code (inside scope) as GeoJSON.
// Regions without a boundary are left out. Every export that starts is
// audited as region.export (who, the region, the scope, the CRS and how
// many regions were written), one cut short as failed.
func (s *Service) ExportRegions(ctx context.Context, actor audit.Actor, scope region.Scope, code string, crs geo.CRS,
	w interface{ Write([]byte) (int, error) }) (int, error) {
	var sub region.Scope
	if code == "" {
		sub = scope
	} else {
		r, err := region.Lookup(ctx, s.db.Read(), code)
		if err != nil || !scope.Contains(r.Path) {
			return 0, apperr.New(apperr.NotFound, "region %s not found", code)
		}
		sub = region.Under(r.Path)
	}
	n, err := s.exportRegions(ctx, sub, crs, w)
	outcome := audit.OK
	if err != nil {
		outcome = audit.Failed
	}
	// The export left the server whether or not its reader stayed.
	actx := context.WithoutCancel(ctx)
	aerr := s.db.InTx(actx, func(tx *sql.Tx) error {
		_, err := audit.Append(actx, tx, audit.Canonical(s.now()), audit.Record{Actor: actor, Action: "region.export", TargetType: "region",
			TargetID: code, Outcome: outcome, Detail: map[string]any{"regions": n, "scope": scope.Path(), "crs": string(crs)}})
		return err
	})
	return n, errors.Join(err, aerr)
}

func (s *Service) exportRegions(ctx context.Context, sub region.Scope, crs geo.CRS, w interface{ Write([]byte) (int, error) }) (int, error) {
	lo, hi := sub.Range()
	rows, err := s.db.Read().QueryContext(ctx, `SELECT code, name, level, COALESCE(parent_code, ''), kind, subtype, valid_from, boundary
		FROM regions WHERE path >= $1 AND path < $2 AND boundary IS NOT NULL ORDER BY level, code`, lo, hi)
	if err != nil {
		return 0, fmt.Errorf("export regions: %w", err)
	}
	defer rows.Close()
	return WriteFeatureCollection(w, crs, func() (region.Region, bool, error) {
		if !rows.Next() {
			return region.Region{}, false, rows.Err()
		}
		var r region.Region
		var kind string
		var blob []byte
		if err := rows.Scan(&r.Code, &r.Name, &r.Level, &r.ParentCode, &kind, &r.Subtype, &r.ValidFrom, &blob); err != nil {
			return r, false, fmt.Errorf("export regions: %w", err)
		}
		r.Kind = region.GridKind(kind)
		r.ValidFrom = r.ValidFrom.UTC()
		mp, err := decodeBoundary(blob)
		r.Boundary = mp
		return r, err == nil, err
	})
}

// OverlayLinks lists the overlay polygons serving a grid, by layer.
func (s *Service) OverlayLinks(ctx context.Context, gridCode string) ([]OverlayLinkView, error) {
	rows, err := s.db.Read().QueryContext(ctx, `SELECT l.layer, l.overlay_code, o.name, l.share FROM overlay_links l
		JOIN overlays o ON o.layer = l.layer AND o.code = l.overlay_code WHERE l.grid_code = $1 ORDER BY l.layer, l.share DESC`, gridCode)
	if err != nil {
		return nil, fmt.Errorf("overlay links of %s: %w", gridCode, err)
	}
	defer rows.Close()
	out := []OverlayLinkView{}
	for rows.Next() {
		var v OverlayLinkView
		if err := rows.Scan(&v.Layer, &v.Code, &v.Name, &v.Share); err != nil {
			return nil, fmt.Errorf("overlay links of %s: %w", gridCode, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// OverlayLinkView is an overlay polygon serving a grid.
type OverlayLinkView struct {
	Layer string  `json:"layer"`
	Code  string  `json:"code"`
	Name  string  `json:"name"`
	Share float64 `json:"share"`
}

// StationsUnder lists the stations in a region's subtree.
func (s *Service) StationsUnder(ctx context.Context, path string, limit int) ([]StationView, error) {
	return s.StationsIn(ctx, region.Under(path), limit)
}

// Stations returns the station with the given code when it is in scope.
func (s *Service) Stations(ctx context.Context, scope region.Scope, code string) ([]StationView, error) {
	return s.stations(ctx, scope, code, 1)
}

// StationsIn lists the stations inside a scope, by code.
func (s *Service) StationsIn(ctx context.Context, scope region.Scope, limit int) ([]StationView, error) {
	return s.stations(ctx, scope, "", limit)
}

func (s *Service) stations(ctx context.Context, scope region.Scope, code string, limit int) ([]StationView, error) {
	lo, hi := scope.Range()
	if lo == "" {
		return []StationView{}, nil
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT code, name, address, opening_hours, lng, lat, grid_code FROM stations
		WHERE grid_path >= $1 AND grid_path < $2 AND ($3 = '' OR code = $3) ORDER BY code LIMIT $4`, lo, hi, code, limit)
	if err != nil {
		return nil, fmt.Errorf("stations: %w", err)
	}
	defer rows.Close()
	out := []StationView{}
	for rows.Next() {
		var v StationView
		if err := rows.Scan(&v.Code, &v.Name, &v.Address, &v.OpeningHours, &v.Lng, &v.Lat, &v.GridCode); err != nil {
			return nil, fmt.Errorf("stations: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// StationView is a station as the API shows it.
type StationView struct {
	Code         string  `json:"code"`
	Name         string  `json:"name"`
	Address      string  `json:"address"`
	OpeningHours string  `json:"opening_hours"`
	Lng          float64 `json:"lng"`
	Lat          float64 `json:"lat"`
	GridCode     string  `json:"grid_code"`
}

// Geometry returns a region's boundary for display, in the given CRS.
func (s *Service) Geometry(ctx context.Context, scope region.Scope, code string, crs geo.CRS) (orb.Geometry, region.Region, error) {
	r, err := region.Lookup(ctx, s.db.Read(), code)
	if err != nil || !scope.Contains(r.Path) {
		return nil, region.Region{}, apperr.New(apperr.NotFound, "region %s not found", code)
	}
	mp, err := s.Boundary(ctx, code)
	if err != nil {
		return nil, r, err
	}
	if mp == nil {
		return nil, r, apperr.New(apperr.NotFound, "region %s has no boundary yet", code)
	}
	return geo.FromWGS84(crs, mp), r, nil
}
