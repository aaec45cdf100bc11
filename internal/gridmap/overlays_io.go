package gridmap

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/region"
)

// readFeatures decodes a FeatureCollection and hands each feature (or the
// error that it cannot be read) to fn, with the reason its coordinates are
// refused, if they are.
func readFeatures(r io.Reader, fn func(i int, f *geojson.Feature, badCoord string, err error)) (int, error) {
	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.NewDecoder(r).Decode(&fc); err != nil {
		return 0, notACollection(err)
	}
	if fc.Type != "FeatureCollection" {
		return 0, fmt.Errorf("want a GeoJSON FeatureCollection, got type %q", fc.Type)
	}
	for i, raw := range fc.Features {
		f, badCoord, err := decodeFeature(raw)
		fn(i, f, badCoord, err)
	}
	return len(fc.Features), nil
}

// ParseOverlays reads the polygons of one overlay layer (properties code and
// name). Features that cannot be read come back as rejections.
func ParseOverlays(r io.Reader, layer string, crs geo.CRS) ([]region.Overlay, []Rejection, error) {
	if err := region.ValidateLayer(layer); err != nil {
		return nil, nil, err
	}
	opts := ParseOptions{CRS: crs, MaxVertices: DefaultMaxVertices}
	var out []region.Overlay
	rejected := []Rejection{}
	_, err := readFeatures(r, func(i int, f *geojson.Feature, badCoord string, err error) {
		if err != nil {
			rejected = append(rejected, Rejection{Index: i, Reason: "not a GeoJSON feature: " + err.Error()})
			return
		}
		o := region.Overlay{Layer: layer, Code: propString(f.Properties, codeProps), Name: propString(f.Properties, nameProps)}
		if o.Code == "" {
			rejected = append(rejected, Rejection{Index: i, Reason: "no code property"})
			return
		}
		if badCoord != "" {
			rejected = append(rejected, Rejection{Index: i, Code: o.Code, Reason: badCoord})
			return
		}
		mp, reason := parseBoundary(f, opts)
		if reason != "" {
			rejected = append(rejected, Rejection{Index: i, Code: o.Code, Reason: reason})
			return
		}
		o.Boundary = mp
		out = append(out, o)
	})
	return out, rejected, err
}

// ParseStations reads stations as GeoJSON Points with properties code, name,
// address, opening_hours and optionally grid_code.
func ParseStations(r io.Reader, crs geo.CRS) ([]region.Station, []Rejection, error) {
	var out []region.Station
	rejected := []Rejection{}
	_, err := readFeatures(r, func(i int, f *geojson.Feature, badCoord string, err error) {
		if err != nil {
			rejected = append(rejected, Rejection{Index: i, Reason: "not a GeoJSON feature: " + err.Error()})
			return
		}
		st := region.Station{
			Code: propString(f.Properties, codeProps), Name: propString(f.Properties, nameProps),
			Address: propString(f.Properties, []string{"address", "地址"}), OpeningHours: propString(f.Properties, []string{"opening_hours", "开放时间"}),
			GridCode: propString(f.Properties, []string{"grid_code", "网格编码"}),
		}
		if badCoord != "" {
			rejected = append(rejected, Rejection{Index: i, Code: st.Code, Reason: badCoord})
			return
		}
		p, ok := f.Geometry.(orb.Point)
		if !ok {
			rejected = append(rejected, Rejection{Index: i, Code: st.Code, Reason: "a station is a Point"})
			return
		}
		if err := geo.ValidatePoint(p[0], p[1], crs); err != nil {
			rejected = append(rejected, Rejection{Index: i, Code: st.Code, Reason: err.Error()})
			return
		}
		wgs, err := geo.ToWGS84(crs, p)
		if err != nil {
			rejected = append(rejected, Rejection{Index: i, Code: st.Code, Reason: err.Error()})
			return
		}
		st.Location = wgs.(orb.Point)
		out = append(out, st)
	})
	return out, rejected, err
}
