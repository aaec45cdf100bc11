package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/gridmap"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/registry"
)

// DefaultMaxUploadBytes bounds a boundary upload; a city's grid file is tens
// of megabytes, a 200 MB upload is refused while it is read.
const DefaultMaxUploadBytes = 64 << 20

func (s *Server) requireRead(w http.ResponseWriter, r *http.Request, p auth.Principal) bool {
	if !p.Can(auth.PermRegionsRead) {
		s.writeError(w, r, apperr.New(apperr.Forbidden, "you may not read the grid map"))
		return false
	}
	return true
}

func parseCRS(raw string) (geo.CRS, error) {
	if raw == "" {
		return geo.WGS84, nil
	}
	c, err := geo.ParseCRS(raw)
	if err != nil {
		return "", apperr.Field("crs", err.Error())
	}
	return c, nil
}

// regionDetail is a region with its chain, overlays and stations.
type regionDetail struct {
	region.Region
	Chain    []region.Link             `json:"chain"`
	Overlays []gridmap.OverlayLinkView `json:"overlays"`
	Stations []gridmap.StationView     `json:"stations"`
	// Registry counts the houses and persons under the region, for
	// callers who may read the registry.
	Registry *registry.Counts `json:"registry,omitempty"`
}

func (s *Server) getRegionDetail(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !s.requireRead(w, r, p) {
		return
	}
	if p.User.ScopeKind() == auth.ScopeDepartment {
		s.getRegionName(w, r)
		return
	}
	ctx := r.Context()
	reg, err := s.opts.Regions.Get(ctx, p.User.Scope(), r.PathValue("code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	d := regionDetail{Region: reg, Overlays: []gridmap.OverlayLinkView{}, Stations: []gridmap.StationView{}}
	if d.Chain, err = s.opts.Regions.Chain(ctx, p.User.Scope(), reg.Code); err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.opts.Map != nil {
		if reg.Level == region.Grid {
			if d.Overlays, err = s.opts.Map.OverlayLinks(ctx, reg.Code); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		if reg.Level >= region.Village {
			if d.Stations, err = s.opts.Map.StationsUnder(ctx, reg.Path, 50); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
	}
	if s.opts.Registry != nil && p.Can(auth.PermRegistryRead) {
		c, err := s.opts.Registry.CountUnder(ctx, reg.Path)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		d.Registry = &c
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) searchRegions(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !s.requireRead(w, r, p) {
		return
	}
	var fs apperr.Fields
	limit := intParam(r.URL.Query().Get("limit"), 20, "limit", &fs)
	if err := fs.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	items, err := s.opts.Regions.Search(r.Context(), p.User.Scope(), r.URL.Query().Get("q"), limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) regionGeometry(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !s.requireRead(w, r, p) {
		return
	}
	crs, err := parseCRS(r.URL.Query().Get("crs"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	g, reg, err := s.opts.Map.Geometry(r.Context(), p.User.Scope(), r.PathValue("code"), crs)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f := geojson.NewFeature(g)
	f.Properties = geojson.Properties{"code": reg.Code, "name": reg.Name, "level": reg.Level.String()}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(f)
}

func (s *Server) exportRegions(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !s.requireRead(w, r, p) {
		return
	}
	crs, err := parseCRS(r.URL.Query().Get("crs"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	code := r.PathValue("code")
	if _, err := s.opts.Regions.Get(r.Context(), p.User.Scope(), code); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="regions-%s.geojson"`, code))
	if _, err := s.opts.Map.ExportRegions(r.Context(), p.Actor(), p.User.Scope(), code, crs, w); err != nil {
		// The status is sent; all that is left is to stop and log.
		s.log.Warn("export regions", "code", code, "err", err)
	}
}

func (s *Server) checkRegion(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !s.requireRead(w, r, p) {
		return
	}
	rep, err := s.opts.Map.Check(r.Context(), p.User.Scope(), r.PathValue("code"), nil)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Add("Vary", "Accept-Language")
	if wantsChinese(r) {
		for i, inv := range rep.Invalid {
			problems := make([]string, len(inv.Problems))
			for j, pr := range inv.Problems {
				problems[j] = s.refusals.Chinese(pr)
			}
			rep.Invalid[i].Problems = problems
		}
	}
	writeJSON(w, http.StatusOK, rep)
}

// readUpload reads a multipart upload: short fields (which must come before
// the file) into fields, and the file part through onFile. Unknown fields
// are refused by name.
func readUpload(w http.ResponseWriter, r *http.Request, limit int64, fields map[string]*string, onFile func(part io.Reader, name string) error) error {
	// A field may be given in the query as well; the form's value wins.
	// Either way a value is read, never left unseen.
	q := r.URL.Query()
	for name, dst := range fields {
		if v := q.Get(name); v != "" {
			*dst = strings.TrimSpace(v)
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	mr, err := r.MultipartReader()
	if err != nil {
		return apperr.Field("body", "must be multipart/form-data with a file field")
	}
	sawFile := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return uploadError(err, limit)
		}
		name := part.FormName()
		if name == "file" {
			sawFile = true
			if err := onFile(part, part.FileName()); err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					return uploadError(err, limit)
				}
				if _, ok := apperr.As(err); ok {
					return err
				}
				return apperr.Field("file", err.Error())
			}
			continue
		}
		dst, ok := fields[name]
		if !ok {
			return apperr.Field(name, "is not a known field")
		}
		value, err := io.ReadAll(io.LimitReader(part, 1024))
		if err != nil {
			return uploadError(err, limit)
		}
		*dst = strings.TrimSpace(string(value))
	}
	if !sawFile {
		return apperr.Field("file", "is required")
	}
	return nil
}

// formBool reads a yes-or-no field of a form: true or false (as
// strconv.ParseBool reads them) or a checkbox's "on"; empty is false.
func formBool(raw, name string) (bool, error) {
	if raw == "on" {
		return true, nil
	}
	var fs apperr.Fields
	v := boolParam(raw, name, &fs)
	if err := fs.Err(); err != nil {
		return false, err
	}
	return v != nil && *v, nil
}

func (s *Server) importRegions(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !p.Can(auth.PermRegionsManage) {
		s.writeError(w, r, apperr.New(apperr.Forbidden, "you may not change the grid map"))
		return
	}
	var crsRaw, levelRaw, parent, partialRaw string
	var items []gridmap.Item
	var fileName string
	err := readUpload(w, r, s.opts.MaxUploadBytes, map[string]*string{"crs": &crsRaw, "level": &levelRaw, "parent": &parent, "partial": &partialRaw},
		func(part io.Reader, name string) error {
			opts := gridmap.ParseOptions{Parent: parent}
			var err error
			if opts.CRS, err = parseCRS(crsRaw); err != nil {
				return err
			}
			if levelRaw != "" {
				if opts.Level, err = region.ParseLevel(levelRaw); err != nil {
					return apperr.Field("level", err.Error())
				}
			}
			fileName = name
			items, err = gridmap.ParseRegions(part, opts)
			return err
		})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	partial, err := formBool(partialRaw, "partial")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.opts.Map.ImportRegions(r.Context(), p.Actor(), p.User.Scope(), items, gridmap.ImportOptions{Partial: partial, Source: fileName})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if res.Stored {
		if err := s.opts.Map.Locator.Refresh(r.Context()); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	s.writeImportResult(w, r, res)
}

// writeImportResult answers with what a map import did, the reasons of its
// rejected features worded in Chinese when r asks for Chinese, as a
// problem's are.
func (s *Server) writeImportResult(w http.ResponseWriter, r *http.Request, res gridmap.ImportResult) {
	if wantsChinese(r) && len(res.Rejected) > 0 {
		rejected := make([]gridmap.Rejection, len(res.Rejected))
		for i, rej := range res.Rejected {
			rej.Reason = s.refusals.Chinese(rej.Reason)
			rejected[i] = rej
		}
		res.Rejected = rejected
	}
	w.Header().Add("Vary", "Accept-Language")
	status := http.StatusOK
	if !res.Stored {
		status = http.StatusUnprocessableEntity
	}
	writeJSON(w, status, res)
}

// importFeatures reads an uploaded GeoJSON file of overlays or stations,
// refuses it with every unreadable feature listed, or stores it.
func importFeatures[T any](s *Server, w http.ResponseWriter, r *http.Request, p auth.Principal, fields map[string]*string,
	parse func(io.Reader, geo.CRS) ([]T, []gridmap.Rejection, error),
	store func([]T) (gridmap.ImportResult, error)) {
	if !p.Can(auth.PermRegionsManage) {
		s.writeError(w, r, apperr.New(apperr.Forbidden, "you may not change the grid map"))
		return
	}
	var crsRaw string
	fields["crs"] = &crsRaw
	var items []T
	var rejected []gridmap.Rejection
	err := readUpload(w, r, s.opts.MaxUploadBytes, fields, func(part io.Reader, _ string) error {
		crs, err := parseCRS(crsRaw)
		if err != nil {
			return err
		}
		items, rejected, err = parse(part, crs)
		return err
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(rejected) > 0 {
		s.writeImportResult(w, r, gridmap.ImportResult{Rejected: rejected})
		return
	}
	res, err := store(items)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeImportResult(w, r, res)
}

func (s *Server) importOverlays(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var layer string
	importFeatures(s, w, r, p, map[string]*string{"layer": &layer},
		func(part io.Reader, crs geo.CRS) ([]region.Overlay, []gridmap.Rejection, error) {
			if err := region.ValidateLayer(layer); err != nil {
				return nil, nil, apperr.Field("layer", err.Error())
			}
			return gridmap.ParseOverlays(part, layer, crs)
		},
		func(overlays []region.Overlay) (gridmap.ImportResult, error) {
			return s.opts.Map.ImportOverlays(r.Context(), p.Actor(), p.User.Scope(), overlays)
		})
}

func (s *Server) importStations(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	importFeatures(s, w, r, p, map[string]*string{}, gridmap.ParseStations,
		func(stations []region.Station) (gridmap.ImportResult, error) {
			return s.opts.Map.ImportStations(r.Context(), p.Actor(), p.User.Scope(), stations)
		})
}

func (s *Server) createStation(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !p.Can(auth.PermRegionsManage) {
		s.writeError(w, r, apperr.New(apperr.Forbidden, "you may not change the grid map"))
		return
	}
	var req struct {
		Code         string   `json:"code"`
		Name         string   `json:"name"`
		Address      string   `json:"address"`
		OpeningHours string   `json:"opening_hours"`
		Lng          *float64 `json:"lng"`
		Lat          *float64 `json:"lat"`
		CRS          string   `json:"crs"`
		GridCode     string   `json:"grid_code"`
	}
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	// A missing coordinate is not 0: a station stands at its location.
	var fs apperr.Fields
	if req.Lng == nil {
		fs.Add("lng", "is required")
	}
	if req.Lat == nil {
		fs.Add("lat", "is required")
	}
	if err := fs.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	crs, err := parseCRS(req.CRS)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	pt, err := toWGS84Point(*req.Lng, *req.Lat, crs)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	st := region.Station{Code: strings.TrimSpace(req.Code), Name: strings.TrimSpace(req.Name), Address: req.Address,
		OpeningHours: req.OpeningHours, Location: pt, GridCode: req.GridCode}
	res, err := s.opts.Map.ImportStations(r.Context(), p.Actor(), p.User.Scope(), []region.Station{st})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !res.Stored && res.Rejected[0].Conflict {
		s.writeError(w, r, &apperr.Error{Code: apperr.Conflict, Message: res.Rejected[0].Reason,
			Fields: []apperr.FieldError{{Field: "code", Reason: res.Rejected[0].Reason}}})
		return
	}
	if !res.Stored {
		field := res.Rejected[0].Field
		if field == "" {
			field = "code"
		}
		s.writeError(w, r, apperr.Field(field, res.Rejected[0].Reason))
		return
	}
	list, err := s.opts.Map.Stations(r.Context(), p.User.Scope(), st.Code)
	if err != nil || len(list) != 1 {
		s.writeError(w, r, fmt.Errorf("read back station %s: %v", st.Code, err))
		return
	}
	status := http.StatusCreated
	if res.Created == 0 {
		status = http.StatusOK // an existing station was updated
	}
	writeJSON(w, status, list[0])
}

func (s *Server) listStations(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !s.requireRead(w, r, p) {
		return
	}
	q := r.URL.Query()
	var fs apperr.Fields
	limit := intParam(q.Get("limit"), 200, "limit", &fs)
	if err := fs.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	scope := p.User.Scope()
	if code := q.Get("region"); code != "" {
		reg, err := s.opts.Regions.Get(r.Context(), scope, code)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		scope = region.Under(reg.Path)
	}
	lo, _ := scope.Range()
	if lo == "" {
		writeJSON(w, http.StatusOK, map[string]any{"items": []gridmap.StationView{}})
		return
	}
	items, err := s.opts.Map.StationsIn(r.Context(), scope, min(limit, 1000))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func uploadError(err error, limit int64) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return apperr.Field("file", fmt.Sprintf("is larger than the limit of %s", sizeText(limit)))
	}
	return apperr.Field("body", "cannot be read: "+err.Error())
}

// pointParams reads lng, lat and crs and returns the point in WGS-84.
func pointParams(lngRaw, latRaw, crsRaw string) (orb.Point, error) {
	var fs apperr.Fields
	lng, err1 := strconv.ParseFloat(lngRaw, 64)
	if err1 != nil {
		fs.Add("lng", "must be a number")
	}
	lat, err2 := strconv.ParseFloat(latRaw, 64)
	if err2 != nil {
		fs.Add("lat", "must be a number")
	}
	crs, err := parseCRS(crsRaw)
	if err != nil {
		return orb.Point{}, err
	}
	if err := fs.Err(); err != nil {
		return orb.Point{}, err
	}
	return toWGS84Point(lng, lat, crs)
}

func toWGS84Point(lng, lat float64, crs geo.CRS) (orb.Point, error) {
	if err := geo.ValidatePoint(lng, lat, crs); err != nil {
		field := "lng"
		if !math.IsNaN(lng) && !math.IsInf(lng, 0) && lng >= -180 && lng <= 180 {
			field = "lat"
		}
		return orb.Point{}, apperr.Field(field, err.Error())
	}
	g, err := geo.ToWGS84(crs, orb.Point{lng, lat})
	if err != nil {
		return orb.Point{}, apperr.Field("lng", err.Error())
	}
	return g.(orb.Point), nil
}

func (s *Server) locate(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	pt, err := pointParams(q.Get("lng"), q.Get("lat"), q.Get("crs"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.opts.Map.Locator.Locate(pt, p.User.Scope()))
}

// MaxLocateBatch bounds one batch of points.
const MaxLocateBatch = 1000

func (s *Server) locateBatch(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var req struct {
		CRS string `json:"crs"`
		// Each point is read as it came: a fixed array of two would take
		// [124.7] as [124.7, 0] and drop a third number unseen.
		Points []any `json:"points"`
	}
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	crs, err := parseCRS(req.CRS)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(req.Points) == 0 || len(req.Points) > MaxLocateBatch {
		s.writeError(w, r, apperr.Field("points", fmt.Sprintf("must hold 1 to %d [lng, lat] pairs", MaxLocateBatch)))
		return
	}
	out := make([]gridmap.Location, len(req.Points))
	for i, v := range req.Points {
		pt, ok := lngLatPair(v)
		if !ok {
			s.writeError(w, r, apperr.Field(fmt.Sprintf("points[%d]", i), "must be [lng, lat]: exactly two numbers"))
			return
		}
		wgs, err := toWGS84Point(pt[0], pt[1], crs)
		if err != nil {
			e, _ := apperr.As(err)
			s.writeError(w, r, apperr.Field(fmt.Sprintf("points[%d]", i), e.Fields[0].Reason))
			return
		}
		out[i] = s.opts.Map.Locator.Locate(wgs, p.User.Scope())
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

// lngLatPair reads a point given as a JSON array: exactly two numbers.
func lngLatPair(v any) (orb.Point, bool) {
	arr, ok := v.([]any)
	if !ok || len(arr) != 2 {
		return orb.Point{}, false
	}
	lng, ok1 := arr[0].(float64)
	lat, ok2 := arr[1].(float64)
	return orb.Point{lng, lat}, ok1 && ok2
}

func (s *Server) mapTile(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !s.requireRead(w, r, p) {
		return
	}
	var fs apperr.Fields
	z := intParam(r.PathValue("z"), -1, "z", &fs)
	x := intParam(r.PathValue("x"), -1, "x", &fs)
	y := intParam(strings.TrimSuffix(r.PathValue("y"), ".mvt"), -1, "y", &fs)
	if err := fs.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	layers, err := gridmap.ParseTileLayers(r.URL.Query().Get("layers"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	data, err := s.tiler.Tile(p.User.Scope(), z, x, y, layers)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.mapbox-vector-tile")
	w.Header().Set("Cache-Control", "private, max-age=60")
	_, _ = w.Write(data)
}

func (s *Server) mapConfig(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !s.requireRead(w, r, p) {
		return
	}
	var bbox []float64
	scope := p.User.Scope()
	if scope.IsAll() {
		if b := s.opts.Map.Locator.Bound(); !b.IsZero() {
			bbox = []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
		}
	} else if p.User.ScopeRegion != "" {
		if reg, err := s.opts.Regions.Get(r.Context(), scope, p.User.ScopeRegion); err == nil {
			bbox = reg.BBox
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"base_map_url": s.opts.BaseMapURL, "bbox": bbox, "version": s.opts.Map.Locator.Version()})
}

// sizeText writes a byte count the way a clerk reads it.
func sizeText(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%.4g MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.4g KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
