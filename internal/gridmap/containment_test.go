package gridmap_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/geojson"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/gridmap"
	"github.com/gridgov/gridgov/internal/region"
)

func TestRegionOutsideItsParentIsRefused(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.importText(t, collection(cityFixture()), gridmap.ParseOptions{}, false)
		village := "990101001001" // rect(125.0, 46.0, 125.2, 46.1)
		cases := []struct {
			name string
			poly orb.Polygon
			want string // empty when stored
		}{
			{"at Beijing", rect(116.3, 39.9, 116.4, 40.0), "990101001001009 lies outside its parent 990101001001: 0.0% of its area is inside it"},
			{"half outside", rect(125.15, 46.05, 125.25, 46.1), "990101001001009 lies outside its parent 990101001001: 50.0%"},
			{"a sliver outside", rect(125.1, 46.05, 125.2005, 46.1), ""},
			{"on the parent's edge", rect(125.1, 46.0, 125.2, 46.1), ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				grid := feat{"990101001001009", "第九网格", "grid", village, tc.poly, nil}
				res := f.importText(t, collection([]feat{grid}), gridmap.ParseOptions{}, false)
				if tc.want == "" {
					if !res.Stored || len(res.Rejected) != 0 {
						t.Fatalf("grid inside its parent refused: %+v", res)
					}
					return
				}
				if res.Stored || len(res.Rejected) != 1 || res.Rejected[0].Code != "990101001001009" || !strings.Contains(res.Rejected[0].Reason, tc.want) {
					t.Fatalf("result = %+v, want a refusal with %q", res, tc.want)
				}
			})
		}
		// A partial import refuses just the misplaced feature.
		files := []feat{
			{"990101001001010", "第十网格", "grid", village, rect(125.0, 46.0, 125.01, 46.01), nil},
			{"990101001001011", "北京网格", "grid", village, rect(116.3, 39.9, 116.4, 40.0), nil},
		}
		res := f.importText(t, collection(files), gridmap.ParseOptions{}, true)
		if !res.Stored || res.Created != 1 || len(res.Rejected) != 1 || res.Rejected[0].Index != 1 {
			t.Fatalf("partial import = %+v", res)
		}
		if loc := f.svc.Locator.Locate(orb.Point{116.35, 39.95}, region.All()); len(loc.Chain) != 0 {
			t.Fatalf("a point at Beijing answers %+v", loc.Chain)
		}
		// A parent in the same file constrains its children too.
		nested := []feat{
			{"990101002001", "红旗社区", "village", "990101002", rect(125.0, 46.1, 125.1, 46.2), nil},
			{"990101002001001", "红旗网格", "grid", "990101002001", rect(125.1, 46.1, 125.2, 46.2), nil},
		}
		res = f.importText(t, collection(nested), gridmap.ParseOptions{}, false)
		if res.Stored || len(res.Rejected) != 1 || !strings.Contains(res.Rejected[0].Reason, "990101002001001 lies outside its parent 990101002001") {
			t.Fatalf("child outside a parent of the same file = %+v", res)
		}
	})
}

// TestRealDaqingDistrictsNest imports the real Daqing districts (GCJ-02) under
// a city outlined by their extent, then each district's outline again as a
// township of that district: real shapes sharing an edge with their parent
// are within it.
func TestRealDaqingDistrictsNest(t *testing.T) {
	raw, err := os.ReadFile("../../../shared/data/daqing-districts.geojson")
	if err != nil {
		t.Skipf("reference data not available (%v)", err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		t.Fatal(err)
	}
	var extent orb.Bound
	for i, ft := range fc.Features {
		if i == 0 {
			extent = ft.Geometry.Bound()
		}
		extent = extent.Union(ft.Geometry.Bound())
	}
	extent = extent.Pad(0.01)
	city := geojson.NewFeatureCollection()
	cf := geojson.NewFeature(extent.ToPolygon())
	cf.Properties = geojson.Properties{"code": "230600", "name": "大庆市", "level": "city"}
	city.Append(cf)
	cityText, _ := json.Marshal(city)
	townships := geojson.NewFeatureCollection()
	for _, ft := range fc.Features {
		code := fmt.Sprint(ft.Properties["adcode"])
		tf := geojson.NewFeature(ft.Geometry)
		tf.Properties = geojson.Properties{"code": code + "001", "name": fmt.Sprint(ft.Properties["name"]), "level": "township", "parent_code": code}
		townships.Append(tf)
	}
	townText, _ := json.Marshal(townships)
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		for _, step := range []struct {
			name, text string
			want       int
		}{
			{"city", string(cityText), 1},
			{"districts", string(raw), 9},
			{"districts as townships", string(townText), 9},
		} {
			res := f.importText(t, step.text, gridmap.ParseOptions{CRS: geo.GCJ02}, false)
			if res.Created != step.want || len(res.Rejected) != 0 {
				t.Fatalf("%s = %+v", step.name, res)
			}
		}
	})
}

// TestLocateIgnoresAGridOutsideItsParent stores, as an older version could,
// a grid far outside its village: points there answer no chain and place
// nothing in it.
func TestLocateIgnoresAGridOutsideItsParent(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.importText(t, collection(cityFixture()), gridmap.ParseOptions{}, false)
		blob, err := wkb.Marshal(orb.MultiPolygon{rect(116.3, 39.9, 116.4, 40.0)})
		if err != nil {
			t.Fatal(err)
		}
		dbtest.Exec(t, d.Write(), `UPDATE regions SET boundary = $1 WHERE code = '990101001001002'`, blob)
		dbtest.Exec(t, d.Write(), `UPDATE map_state SET version = version + 1 WHERE id = 1`)
		if err := f.svc.Locator.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if loc := f.svc.Locator.Locate(orb.Point{116.35, 39.95}, region.All()); len(loc.Chain) != 0 || loc.Grid != nil {
			t.Fatalf("a point at Beijing answers %+v", loc)
		}
		if code, _, ok := f.svc.Locator.GridAt(orb.Point{116.35, 39.95}); ok {
			t.Fatalf("a point at Beijing placed in %s", code)
		}
		if loc := f.svc.Locator.Locate(orb.Point{125.05, 46.03}, region.All()); loc.Grid == nil || loc.Grid.Code != "990101001001001" {
			t.Fatalf("a point in grid 1 answers %+v", loc)
		}
	})
}
