package geo

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/peterstace/simplefeatures/geom"
)

// daqingFile is the shared boundary file of Daqing's nine counties (GCJ-02,
// as published by Amap). It lives outside the repository, beside it.
const daqingFile = "../../../shared/data/daqing-districts.geojson"

type district struct {
	adcode, name string
	geom         orb.MultiPolygon // WGS-84, normalized
}

func loadDaqing(t *testing.T) []district {
	t.Helper()
	raw, err := os.ReadFile(daqingFile)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("skipping: %s not found (the shared data directory is not beside the repository)", daqingFile)
	}
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		t.Fatalf("parse %s: %v", daqingFile, err)
	}
	var out []district
	for i, f := range fc.Features {
		name, _ := f.Properties["name"].(string)
		code := f.Properties.MustInt("adcode", 0)
		parent, _ := f.Properties["parent"].(map[string]any)
		if p, _ := parent["adcode"].(float64); p != 230600 {
			t.Errorf("feature %d (%s): parent %v, want Daqing 230600", i, name, parent)
		}
		wgs, err := ToWGS84(GCJ02, f.Geometry)
		if err != nil {
			t.Fatalf("feature %d (%s): %v", i, name, err)
		}
		mp, problems := Normalize(wgs)
		if HasFatal(problems) {
			t.Errorf("feature %d (%s): fatal problems %v", i, name, problems)
		}
		for _, p := range problems {
			t.Logf("feature %d (%s): %v", i, name, p)
		}
		out = append(out, district{adcode: strconv.Itoa(code), name: name, geom: mp})
	}
	if len(out) != 9 {
		t.Fatalf("%d districts, want 9", len(out))
	}
	return out
}

func TestDaqingDistricts(t *testing.T) {
	districts := loadDaqing(t)

	var total float64
	children := make([]Child, len(districts))
	for i, d := range districts {
		if problems := Check(d.geom, 100_000); HasFatal(problems) {
			t.Errorf("%s %s: %v", d.adcode, d.name, problems)
		}
		a := AreaM2(d.geom)
		total += a
		t.Logf("%s %-12s %9.1f km²", d.adcode, d.name, a/1e6)
		children[i] = Child{Code: d.adcode, Geom: d.geom}
	}
	t.Logf("Daqing total %.1f km²", total/1e6)
	// The official figure is about 21,200 km².
	if total < 21_000e6 || total > 22_000e6 {
		t.Errorf("Daqing total %.0f km², want 21,000–22,000", total/1e6)
	}

	// There is no city polygon: take the union of the districts as the
	// parent and check that the districts tile it without overlapping.
	sf := make([]geom.Geometry, len(children))
	for i, c := range children {
		sf[i] = toSF(c.Geom)
	}
	u, err := unionAll(sf)
	if err != nil {
		t.Fatal(err)
	}
	city := fromSF(u)
	start := time.Now()
	rep, err := Coverage(city, children)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("coverage: %.6f covered, %d gaps %.0f m², %d overlaps %.0f m² (%.2e of the city), %d outside %.0f m², in %v",
		rep.CoveredShare, len(rep.Gaps), rep.GapAreaM2, len(rep.Overlaps), rep.OverlapAreaM2, rep.OverlapAreaM2/rep.ParentAreaM2,
		len(rep.Outside), rep.OutsideAreaM2, time.Since(start))
	for _, o := range rep.Overlaps {
		t.Logf("overlap %s/%s: %.0f m²", o.A, o.B, o.AreaM2)
	}
	if math.Abs(rep.CoveredShare-1) > 1e-6 {
		t.Errorf("CoveredShare %v, want 1", rep.CoveredShare)
	}
	if rep.OverlapAreaM2 > 1e-4*rep.ParentAreaM2 {
		t.Errorf("districts overlap by %.0f m², more than 0.01%% of the city", rep.OverlapAreaM2)
	}
	if len(rep.Outside) != 0 || rep.GapAreaM2 > 1e-6*rep.ParentAreaM2 {
		t.Errorf("outside %v, gaps %.0f m²", rep.Outside, rep.GapAreaM2)
	}
	// Sum of districts = city + overlaps (each overlap counted once extra).
	if !near(total, rep.ParentAreaM2+rep.OverlapAreaM2, 1e-6) {
		t.Errorf("districts sum %.0f m², city %.0f + overlaps %.0f", total, rep.ParentAreaM2, rep.OverlapAreaM2)
	}
}
