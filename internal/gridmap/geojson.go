package gridmap

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/region"
)

// ParseOptions say how to read a boundary file.
type ParseOptions struct {
	CRS geo.CRS
	// Level applies to every feature; zero takes it from the properties or the code.
	Level region.Level
	// Parent applies to features that name no parent.
	Parent string
	// MaxVertices refuses features with more vertices than this.
	MaxVertices int
}

// DefaultMaxVertices bounds one feature: real grid outlines have hundreds of
// vertices, county outlines tens of thousands.
const DefaultMaxVertices = 200_000

// Property names accepted for each field, in order of preference. The
// Chinese and DataV names let public boundary files import unchanged.
var (
	codeProps    = []string{"code", "adcode", "区划代码", "编码", "gb"}
	nameProps    = []string{"name", "名称", "区划名称"}
	levelProps   = []string{"level", "层级", "级别"}
	parentProps  = []string{"parent_code", "parent", "上级代码", "parent_adcode"}
	kindProps    = []string{"kind", "网格类型"}
	subtypeProps = []string{"subtype", "专属类型"}
)

// ParseRegions reads a GeoJSON FeatureCollection of region boundaries. A file
// that is not a FeatureCollection is an error; a bad feature becomes an Item
// with its reason, so that every rejected feature can be reported.
func ParseRegions(r io.Reader, opts ParseOptions) ([]Item, error) {
	if opts.MaxVertices <= 0 {
		opts.MaxVertices = DefaultMaxVertices
	}
	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	dec := json.NewDecoder(r)
	if err := dec.Decode(&fc); err != nil {
		return nil, notACollection(err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("want a GeoJSON FeatureCollection, got type %q", fc.Type)
	}
	items := make([]Item, len(fc.Features))
	for i, raw := range fc.Features {
		items[i] = parseFeature(i, raw, opts)
	}
	return items, nil
}

// notCollection begins the refusal of a file that is no FeatureCollection.
const notCollection = "is not a GeoJSON FeatureCollection: "

// notACollection words why a file is not read as a FeatureCollection. An
// error of reading the upload itself (its size limit) is passed on behind
// "cannot be read", so that the caller can tell it.
func notACollection(err error) error {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return errors.New(notCollection + "the file is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New(notCollection + "it is not valid JSON (it ends too early)")
	case errors.As(err, &syntax):
		return fmt.Errorf(notCollection+"it is not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typeErr) && typeErr.Field == "type":
		return errors.New(notCollection + "its type is not a string")
	case errors.As(err, &typeErr) && typeErr.Field == "features":
		return errors.New(notCollection + "its features are not an array")
	case errors.As(err, &typeErr):
		switch typeErr.Value {
		case "array":
			return errors.New(notCollection + "it is an array, not an object")
		case "string":
			return errors.New(notCollection + "it is a string, not an object")
		case "bool":
			return errors.New(notCollection + "it is true or false, not an object")
		default:
			return errors.New(notCollection + "it is a number, not an object")
		}
	}
	return unreadable{err}
}

// unreadable is an upload that could not be read to its end.
type unreadable struct{ err error }

func (u unreadable) Error() string { return "cannot be read" }
func (u unreadable) Unwrap() error { return u.err }

func parseFeature(i int, raw json.RawMessage, opts ParseOptions) Item {
	it := Item{Index: i}
	f, badCoord, err := decodeFeature(raw)
	if err != nil {
		it.Err = "not a GeoJSON feature: " + err.Error()
		return it
	}
	r := &it.Region
	r.Code = propString(f.Properties, codeProps)
	r.Name = propString(f.Properties, nameProps)
	r.ParentCode = propString(f.Properties, parentProps)
	if r.ParentCode == "" {
		r.ParentCode = opts.Parent
	}
	r.Kind = region.GridKind(propString(f.Properties, kindProps))
	r.Subtype = propString(f.Properties, subtypeProps)
	if r.Code == "" {
		it.Err = "no code property (code or adcode)"
		return it
	}
	r.Level = opts.Level
	if r.Level == 0 {
		if lv := propString(f.Properties, levelProps); lv != "" {
			l, err := parseLevelName(lv)
			if err != nil {
				it.Err = err.Error()
				return it
			}
			r.Level = l
		} else {
			r.Level = levelFromCode(r.Code, r.ParentCode)
		}
	}
	if r.Level == region.Grid && r.Kind == "" {
		r.Kind = region.Comprehensive
	}
	if badCoord != "" {
		it.Err = badCoord
		return it
	}
	mp, reason := parseBoundary(f, opts)
	if reason != "" {
		it.Err = reason
		return it
	}
	r.Boundary = mp
	return it
}

// parseBoundary reads a feature's Polygon or MultiPolygon, converts it to
// WGS-84 and repairs what can be repaired; a non-empty reason refuses it.
func parseBoundary(f *geojson.Feature, opts ParseOptions) (orb.MultiPolygon, string) {
	if f.Geometry == nil {
		return nil, "feature has no geometry"
	}
	if n := vertexCount(f.Geometry); n > opts.MaxVertices {
		return nil, fmt.Sprintf("geometry has %d vertices, more than the limit of %d", n, opts.MaxVertices)
	}
	switch f.Geometry.(type) {
	case orb.Polygon, orb.MultiPolygon:
	default:
		return nil, fmt.Sprintf("geometry is a %s; a boundary must be a Polygon or MultiPolygon", f.Geometry.GeoJSONType())
	}
	if err := checkCoordinates(f.Geometry, opts.CRS); err != nil {
		return nil, err.Error()
	}
	g, err := geo.ToWGS84(opts.CRS, f.Geometry)
	if err != nil {
		return nil, err.Error()
	}
	mp, problems := geo.Normalize(g)
	var fatal []string
	for _, p := range problems {
		if p.Fatal() {
			fatal = append(fatal, p.String())
		}
	}
	if len(fatal) > 0 {
		return nil, "invalid geometry: " + strings.Join(fatal, "; ")
	}
	return mp, ""
}

// checkCoordinates refuses non-finite and out-of-range coordinates, and
// GCJ-02 points outside China, before any conversion.
func checkCoordinates(g orb.Geometry, crs geo.CRS) error {
	var bad error
	visit(g, func(p orb.Point) bool {
		if err := geo.ValidatePoint(p[0], p[1], crs); err != nil {
			bad = fmt.Errorf("coordinate [%g, %g]: %w", p[0], p[1], err)
			return false
		}
		return true
	})
	return bad
}

func visit(g orb.Geometry, fn func(orb.Point) bool) {
	switch g := g.(type) {
	case orb.Polygon:
		for _, ring := range g {
			for _, p := range ring {
				if !fn(p) {
					return
				}
			}
		}
	case orb.MultiPolygon:
		for _, poly := range g {
			for _, ring := range poly {
				for _, p := range ring {
					if !fn(p) {
						return
					}
				}
			}
		}
	}
}

func vertexCount(g orb.Geometry) int {
	n := 0
	switch g := g.(type) {
	case orb.Polygon:
		for _, r := range g {
			n += len(r)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				n += len(r)
			}
		}
	}
	return n
}

// propString reads the first present property as a string; numeric codes
// (DataV writes adcode as a number) and {"adcode": …} parent objects are
// accepted.
func propString(props geojson.Properties, names []string) string {
	for _, name := range names {
		v, ok := props[name]
		if !ok || v == nil {
			continue
		}
		switch v := v.(type) {
		case string:
			if s := strings.TrimSpace(v); s != "" {
				return s
			}
		case float64:
			if v == math.Trunc(v) && !math.IsInf(v, 0) && math.Abs(v) < 1e16 {
				return strconv.FormatInt(int64(v), 10)
			}
		case map[string]any:
			if s := propString(geojson.Properties(v), codeProps); s != "" {
				return s
			}
		}
	}
	return ""
}

// parseLevelName accepts our level names and the ones public files use.
func parseLevelName(s string) (region.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "district", "区", "县", "区县":
		return region.County, nil
	case "street", "town", "乡镇", "街道":
		return region.Township, nil
	case "community", "社区", "村":
		return region.Village, nil
	case "网格":
		return region.Grid, nil
	case "市", "province_city":
		return region.City, nil
	}
	return region.ParseLevel(s)
}

// levelFromCode infers the level from the code's length when a file does not say.
func levelFromCode(code, parent string) region.Level {
	switch len(code) {
	case 15:
		return region.Grid
	case 12:
		return region.Village
	case 9:
		return region.Township
	case 6:
		if strings.HasSuffix(code, "00") && parent == "" {
			return region.City
		}
		return region.County
	}
	return 0
}

// WriteFeatureCollection streams regions as a GeoJSON FeatureCollection in
// the given CRS, one feature at a time.
func WriteFeatureCollection(w io.Writer, crs geo.CRS, next func() (region.Region, bool, error)) (int, error) {
	if _, err := io.WriteString(w, `{"type":"FeatureCollection","features":[`); err != nil {
		return 0, err
	}
	n := 0
	for {
		r, ok, err := next()
		if err != nil {
			return n, err
		}
		if !ok {
			break
		}
		f := geojson.NewFeature(geo.FromWGS84(crs, r.Boundary))
		f.Properties = geojson.Properties{"code": r.Code, "name": r.Name, "level": r.Level.String(), "valid_from": r.ValidFrom}
		if r.ParentCode != "" {
			f.Properties["parent_code"] = r.ParentCode
		}
		if r.Kind != "" {
			f.Properties["kind"] = string(r.Kind)
		}
		if r.Subtype != "" {
			f.Properties["subtype"] = r.Subtype
		}
		b, err := json.Marshal(f)
		if err != nil {
			return n, fmt.Errorf("export %s: %w", r.Code, err)
		}
		if n > 0 {
			b = append([]byte{','}, b...)
		}
		if _, err := w.Write(append(b, '\n')); err != nil {
			return n, err
		}
		n++
	}
	_, err := io.WriteString(w, "]}\n")
	return n, err
}
