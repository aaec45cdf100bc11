package gridmap

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb/geojson"
)

// decodeFeature reads one GeoJSON feature. orb reads a null or missing
// coordinate as 0, which puts a vertex on the prime meridian or the equator
// without a word, so the raw positions are checked first: a non-empty reason
// refuses the feature's geometry, and err means it is no feature at all,
// said in words of our own rather than orb's or the JSON decoder's.
func decodeFeature(raw json.RawMessage) (f *geojson.Feature, reason string, err error) {
	if err := checkFeature(raw); err != nil {
		return nil, "", err
	}
	var g struct {
		Geometry   *rawGeometry       `json:"geometry"`
		Properties geojson.Properties `json:"properties"`
	}
	if json.Unmarshal(raw, &g) == nil && g.Geometry != nil {
		if reason = g.Geometry.check(); reason != "" {
			// The properties still name the feature in the refusal.
			return &geojson.Feature{Type: "Feature", Properties: g.Properties}, reason, nil
		}
	}
	f, err = geojson.UnmarshalFeature(raw)
	if err != nil {
		// checkFeature reads every member orb does; what is left is a
		// value of a type neither foresaw.
		return nil, "", errors.New("it cannot be read")
	}
	return f, "", nil
}

// checkFeature refuses a feature that orb would refuse, naming the member
// at fault: a feature is an object whose type is "Feature", whose
// properties are an object or null, whose bbox is numbers and whose
// geometry is null or a geometry of a GeoJSON type.
func checkFeature(raw json.RawMessage) error {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return errors.New("a feature must be a JSON object")
	}
	var typ string
	if t, ok := m["type"]; ok && json.Unmarshal(t, &typ) != nil {
		typ = string(t)
	}
	if typ != "Feature" {
		return fmt.Errorf(`"type" must be "Feature", got %q`, typ)
	}
	if p, ok := m["properties"]; ok && !isNull(p) {
		var props map[string]any
		if json.Unmarshal(p, &props) != nil {
			return errors.New(`"properties" must be an object or null`)
		}
	}
	if b, ok := m["bbox"]; ok && !isNull(b) {
		var nums []float64
		if json.Unmarshal(b, &nums) != nil {
			return errors.New(`"bbox" must be an array of numbers`)
		}
	}
	if g, ok := m["geometry"]; ok && !isNull(g) {
		return checkGeometry(g)
	}
	return nil
}

// geometryTypes are the types of a GeoJSON geometry.
var geometryTypes = []string{"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"}

// checkGeometry refuses a geometry that is no object, has no GeoJSON type,
// or, as a GeometryCollection, holds one that is not a geometry in turn.
// Its coordinates are rawGeometry.check's.
func checkGeometry(raw json.RawMessage) error {
	var g struct {
		Type       json.RawMessage   `json:"type"`
		Geometries []json.RawMessage `json:"geometries"`
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return errors.New(`"geometry" must be an object or null`)
	}
	var typ string
	if t, ok := m["type"]; ok && json.Unmarshal(t, &typ) != nil {
		typ = string(t)
	}
	if !slices.Contains(geometryTypes, typ) {
		return fmt.Errorf("geometry type %q is not a GeoJSON geometry type (Point, MultiPoint, LineString, MultiLineString, Polygon, MultiPolygon or GeometryCollection)", typ)
	}
	if typ != "GeometryCollection" {
		return nil
	}
	if json.Unmarshal(raw, &g) != nil {
		return errors.New(`"geometries" of a GeometryCollection must be an array`)
	}
	for i, sub := range g.Geometries {
		if err := checkGeometry(sub); err != nil {
			return fmt.Errorf("geometry %d: %s", i, err)
		}
	}
	return nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

type rawGeometry struct {
	Type        string         `json:"type"`
	Coordinates any            `json:"coordinates"`
	Geometries  []*rawGeometry `json:"geometries"`
}

// check walks the positions of a geometry; a position must be an array of
// two or three numbers (a third, the altitude, is ignored).
func (g *rawGeometry) check() string {
	if g == nil {
		return ""
	}
	for i, sub := range g.Geometries {
		if r := sub.check(); r != "" {
			return fmt.Sprintf("geometry %d: %s", i, r)
		}
	}
	depth := map[string]int{"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}[g.Type]
	if g.Type == "GeometryCollection" || g.Coordinates == nil {
		return ""
	}
	return checkPositions(g.Coordinates, depth, nil)
}

// checkPositions descends depth levels of arrays to the positions; path holds
// the indexes taken, outermost first, to name a bad one.
func checkPositions(v any, depth int, path []int) string {
	if depth > 0 {
		arr, ok := v.([]any)
		if !ok {
			return positionName(path, len(path)+depth) + " is not an array"
		}
		for i, e := range arr {
			if r := checkPositions(e, depth-1, append(path, i)); r != "" {
				return r
			}
		}
		return ""
	}
	name := positionName(path, len(path))
	arr, ok := v.([]any)
	if !ok {
		return name + " is not an array of numbers"
	}
	if len(arr) != 2 && len(arr) != 3 {
		return fmt.Sprintf("%s has %d numbers; want longitude, latitude and at most an altitude", name, len(arr))
	}
	for k, e := range arr {
		n, ok := e.(float64)
		if !ok || math.IsNaN(n) || math.IsInf(n, 0) {
			what := "longitude"
			if k == 1 {
				what = "latitude"
			} else if k == 2 {
				what = "altitude"
			}
			return fmt.Sprintf("%s: the %s is %s, not a number", name, what, jsonText(e))
		}
	}
	return ""
}

// positionName names the element at path in coordinates nested levels deep:
// "coordinate 3 of ring 0 of polygon 1" in a MultiPolygon, "coordinate 3 of
// ring 0" in a Polygon.
func positionName(path []int, levels int) string {
	if len(path) == 0 {
		if levels == 0 {
			return "the point"
		}
		return "coordinates"
	}
	words := []string{"polygon", "ring", "coordinate"}[3-min(levels, 3):]
	s := ""
	for p := len(path) - 1; p >= 0; p-- {
		if s != "" {
			s += " of "
		}
		s += fmt.Sprintf("%s %d", words[min(p, len(words)-1)], path[p])
	}
	return s
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
