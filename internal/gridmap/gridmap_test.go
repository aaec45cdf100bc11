package gridmap_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/gridmap"
	"github.com/gridgov/gridgov/internal/region"
)

func rect(x0, y0, x1, y1 float64) orb.Polygon {
	return orb.Polygon{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}
}

type feat struct {
	code, name, level, parent string
	poly                      orb.Polygon
	props                     map[string]any
}

// cityFixture is a city of two counties; county 990101 has two townships, the
// first with one village tiled by four grids.
func cityFixture() []feat {
	return []feat{
		{"990100", "示范市", "city", "", rect(125.0, 46.0, 125.4, 46.2), nil},
		{"990101", "东区", "county", "990100", rect(125.0, 46.0, 125.2, 46.2), nil},
		{"990102", "西区", "county", "990100", rect(125.2, 46.0, 125.4, 46.2), nil},
		{"990101001", "东风街道", "township", "990101", rect(125.0, 46.0, 125.2, 46.1), nil},
		{"990101002", "红旗街道", "township", "990101", rect(125.0, 46.1, 125.2, 46.2), nil},
		{"990101001001", "友谊社区", "village", "990101001", rect(125.0, 46.0, 125.2, 46.1), nil},
		{"990101001001001", "第一网格", "grid", "990101001001", rect(125.0, 46.0, 125.1, 46.05), nil},
		{"990101001001002", "第二网格", "grid", "990101001001", rect(125.1, 46.0, 125.2, 46.05), nil},
		{"990101001001003", "第三网格", "grid", "990101001001", rect(125.0, 46.05, 125.1, 46.1), nil},
		{"990101001001004", "第四网格", "grid", "990101001001", rect(125.1, 46.05, 125.2, 46.1), map[string]any{"kind": "exclusive", "subtype": "school"}},
	}
}

func collection(fs []feat) string {
	fc := geojson.NewFeatureCollection()
	for _, f := range fs {
		gf := geojson.NewFeature(f.poly)
		gf.Properties = geojson.Properties{"code": f.code, "name": f.name, "level": f.level}
		if f.parent != "" {
			gf.Properties["parent_code"] = f.parent
		}
		for k, v := range f.props {
			gf.Properties[k] = v
		}
		fc.Append(gf)
	}
	b, _ := json.Marshal(fc)
	return string(b)
}

type fixture struct {
	d   *db.DB
	svc *gridmap.Service
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	loc := gridmap.NewLocator(d, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return &fixture{d: d, svc: gridmap.NewService(d, loc, time.Now)}
}

func (f *fixture) importText(t *testing.T, text string, opts gridmap.ParseOptions, partial bool) gridmap.ImportResult {
	t.Helper()
	if opts.CRS == "" {
		opts.CRS = geo.WGS84
	}
	items, err := gridmap.ParseRegions(strings.NewReader(text), opts)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	res, err := f.svc.ImportRegions(context.Background(), audit.System("test"), region.All(), items, gridmap.ImportOptions{Partial: partial})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if err := f.svc.Locator.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return res
}

func countRegions(t *testing.T, d *db.DB) int {
	var n int
	if err := d.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM regions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportIsAllOrNothingIdempotentAndKeepsHistory(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		bad := append(cityFixture(), feat{"990103001", "无主街道", "township", "990103", rect(125, 46, 125.1, 46.1), nil})
		res := f.importText(t, collection(bad), gridmap.ParseOptions{}, false)
		if res.Stored || len(res.Rejected) != 1 || res.Rejected[0].Index != 10 || !strings.Contains(res.Rejected[0].Reason, "990103 does not exist") {
			t.Fatalf("all-or-nothing result = %+v", res)
		}
		if n := countRegions(t, d); n != 0 {
			t.Fatalf("%d regions stored from a refused file", n)
		}
		res = f.importText(t, collection(bad), gridmap.ParseOptions{}, true)
		if !res.Stored || res.Created != 10 || len(res.Rejected) != 1 {
			t.Fatalf("partial result = %+v", res)
		}
		res = f.importText(t, collection(cityFixture()), gridmap.ParseOptions{}, false)
		if res.Created != 0 || res.Updated != 0 || res.Unchanged != 10 {
			t.Fatalf("re-import = %+v, want all unchanged", res)
		}
		redrawn := cityFixture()
		redrawn[6].poly = rect(125.0, 46.0, 125.1, 46.04)
		res = f.importText(t, collection(redrawn), gridmap.ParseOptions{}, false)
		if res.Updated != 1 || res.Unchanged != 9 {
			t.Fatalf("redraw = %+v", res)
		}
		var hist int
		if err := d.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM region_boundary_history WHERE code = '990101001001001'`).Scan(&hist); err != nil || hist != 1 {
			t.Fatalf("history rows = %d, %v", hist, err)
		}
		got, err := region.NewStore(d, time.Now).Get(context.Background(), region.All(), "990101001001004")
		if err != nil || got.Kind != region.Exclusive || got.Subtype != "school" || got.AreaM2 == nil || len(got.BBox) != 4 {
			t.Fatalf("exclusive grid = %+v, %v", got, err)
		}
	})
}

func TestParseRefusals(t *testing.T) {
	if _, err := gridmap.ParseRegions(strings.NewReader(`{"type":"Feature"}`), gridmap.ParseOptions{CRS: geo.WGS84}); err == nil {
		t.Fatal("a single Feature accepted as a collection")
	}
	if _, err := gridmap.ParseRegions(strings.NewReader(`not json`), gridmap.ParseOptions{CRS: geo.WGS84}); err == nil {
		t.Fatal("non-JSON accepted")
	}
	big := make(orb.Ring, 0, 1001)
	for i := range 1000 {
		a := 2 * math.Pi * float64(i) / 1000
		big = append(big, orb.Point{125 + 0.01*math.Cos(a), 46 + 0.01*math.Sin(a)})
	}
	big = append(big, big[0])
	cases := []struct {
		name string
		f    string
		crs  geo.CRS
		want string
	}{
		{"no code", `{"type":"Feature","properties":{"name":"x"},"geometry":{"type":"Polygon","coordinates":[[[125,46],[125.1,46],[125.1,46.1],[125,46]]]}}`, geo.WGS84, "no code"},
		{"point geometry", `{"type":"Feature","properties":{"code":"990101"},"geometry":{"type":"Point","coordinates":[125,46]}}`, geo.WGS84, "Polygon or MultiPolygon"},
		{"no geometry", `{"type":"Feature","properties":{"code":"990101"},"geometry":null}`, geo.WGS84, "no geometry"},
		{"latitude out of range", `{"type":"Feature","properties":{"code":"990101"},"geometry":{"type":"Polygon","coordinates":[[[125,46],[125.1,96],[125.1,46.1],[125,46]]]}}`, geo.WGS84, "96"},
		{"gcj02 outside China", `{"type":"Feature","properties":{"code":"990101"},"geometry":{"type":"Polygon","coordinates":[[[2,46],[2.1,46],[2.1,46.1],[2,46]]]}}`, geo.GCJ02, "China"},
		{"bad level", `{"type":"Feature","properties":{"code":"990101","level":"planet"},"geometry":{"type":"Polygon","coordinates":[[[125,46],[125.1,46],[125.1,46.1],[125,46]]]}}`, geo.WGS84, "planet"},
		{"too few points", `{"type":"Feature","properties":{"code":"990101"},"geometry":{"type":"Polygon","coordinates":[[[125,46],[125.1,46],[125,46]]]}}`, geo.WGS84, "invalid geometry"},
		{"self-intersecting", `{"type":"Feature","properties":{"code":"990101"},"geometry":{"type":"Polygon","coordinates":[[[125,46],[125.1,46.1],[125.1,46],[125,46.1],[125,46]]]}}`, geo.WGS84, "invalid geometry"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			items, err := gridmap.ParseRegions(strings.NewReader(`{"type":"FeatureCollection","features":[`+tc.f+`]}`), gridmap.ParseOptions{CRS: tc.crs})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(items[0].Err, tc.want) {
				t.Fatalf("err = %q, want %q", items[0].Err, tc.want)
			}
		})
	}
	huge := collection([]feat{{"990101", "x", "county", "990100", orb.Polygon{big}, nil}})
	items, _ := gridmap.ParseRegions(strings.NewReader(huge), gridmap.ParseOptions{CRS: geo.WGS84, MaxVertices: 500})
	if !strings.Contains(items[0].Err, "limit of 500") {
		t.Fatalf("vertex limit: %q", items[0].Err)
	}
}

func FuzzParseRegions(f *testing.F) {
	f.Add([]byte(collection(cityFixture())))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"adcode":230602},"geometry":{"type":"MultiPolygon","coordinates":[]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := gridmap.ParseRegions(bytes.NewReader(data), gridmap.ParseOptions{CRS: geo.GCJ02})
		if err != nil {
			return
		}
		for _, it := range items {
			if it.Err != "" {
				continue
			}
			for _, poly := range it.Region.Boundary {
				for _, ring := range poly {
					for _, p := range ring {
						if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) {
							t.Fatalf("accepted a non-finite coordinate")
						}
					}
				}
			}
		}
	})
}

func TestExportRoundTrip(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.importText(t, collection(cityFixture()), gridmap.ParseOptions{}, false)
		var buf bytes.Buffer
		n, err := f.svc.ExportRegions(context.Background(), audit.System("test"), region.All(), "990101001", geo.WGS84, &buf)
		if err != nil || n != 6 {
			t.Fatalf("export = %d, %v", n, err)
		}
		fc, err := geojson.UnmarshalFeatureCollection(buf.Bytes())
		if err != nil {
			t.Fatalf("export is not GeoJSON: %v", err)
		}
		if fc.Features[0].Properties["code"] != "990101001" || fc.Features[5].Properties["kind"] != "exclusive" {
			t.Fatalf("exported properties: %v / %v", fc.Features[0].Properties, fc.Features[5].Properties)
		}
		// Importing the export changes nothing.
		res := f.importText(t, buf.String(), gridmap.ParseOptions{}, false)
		if res.Unchanged != 6 || res.Created+res.Updated != 0 {
			t.Fatalf("re-import of export = %+v", res)
		}
		// A GCJ-02 export converts back to the same WGS-84 outline.
		buf.Reset()
		if _, err := f.svc.ExportRegions(context.Background(), audit.System("test"), region.All(), "990101001001001", geo.GCJ02, &buf); err != nil {
			t.Fatal(err)
		}
		res = f.importText(t, buf.String(), gridmap.ParseOptions{CRS: geo.GCJ02}, false)
		if res.Rejected == nil || len(res.Rejected) != 0 || res.Created != 0 {
			t.Fatalf("gcj02 round trip = %+v", res)
		}
	})
}

// Every export is audited: who, the region, the scope, the CRS and how
// many regions it wrote; a region not found exports and audits nothing.
func TestExportIsAudited(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.importText(t, collection(cityFixture()), gridmap.ParseOptions{}, false)
		ctx := context.Background()
		actor := audit.Actor{ID: 9, Name: "center", IP: "10.0.0.9"}
		if _, err := f.svc.ExportRegions(ctx, actor, region.Under("/990100/990102/"), "990101001", geo.WGS84, io.Discard); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("export out of scope: %v", err)
		}
		if n, err := f.svc.ExportRegions(ctx, actor, region.Under("/990100/990101/"), "990101001", geo.GCJ02, io.Discard); err != nil || n != 6 {
			t.Fatalf("export = %d, %v", n, err)
		}
		got, err := audit.List(ctx, d.Read(), audit.Filter{Action: "region.export"})
		if err != nil || len(got) != 1 {
			t.Fatalf("entries = %+v, %v", got, err)
		}
		if en := got[0]; en.ActorID != 9 || en.IP != "10.0.0.9" || en.TargetType != "region" || en.TargetID != "990101001" ||
			en.Outcome != audit.OK || en.Detail["regions"] != float64(6) || en.Detail["crs"] != "gcj02" || en.Detail["scope"] != "/990100/990101/" {
			t.Fatalf("entry = %+v", en)
		}
		if _, err := audit.Verify(ctx, d.Read()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestLocateChainOverlaysAndStations(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.importText(t, collection(cityFixture()), gridmap.ParseOptions{}, false)
		police := region.Overlay{Layer: "police", Code: "P1", Name: "东风派出所第一警务区", Boundary: orb.MultiPolygon{rect(125.0, 46.0, 125.1, 46.1)}}
		res, err := f.svc.ImportOverlays(ctx, audit.System("test"), region.All(), []region.Overlay{police})
		if err != nil || res.Created != 1 {
			t.Fatalf("overlays = %+v, %v", res, err)
		}
		links, err := f.svc.OverlayLinks(ctx, "990101001001001")
		if err != nil || len(links) != 1 || math.Abs(links[0].Share-1) > 0.01 {
			t.Fatalf("links of grid 1 = %+v, %v", links, err)
		}
		if links, _ := f.svc.OverlayLinks(ctx, "990101001001002"); len(links) != 0 {
			t.Fatalf("grid 2 linked to an overlay that does not touch it: %+v", links)
		}
		st := region.Station{Code: "S1", Name: "第一网格驿站", Address: "友谊路1号", OpeningHours: "08:30-17:30", Location: orb.Point{125.05, 46.02}}
		if res, err := f.svc.ImportStations(ctx, audit.System("test"), region.All(), []region.Station{st}); err != nil || res.Created != 1 {
			t.Fatalf("stations = %+v, %v", res, err)
		}
		bad := region.Station{Code: "S2", Name: "x", Location: orb.Point{100, 30}}
		if res, _ := f.svc.ImportStations(ctx, audit.System("test"), region.All(), []region.Station{bad}); len(res.Rejected) != 1 {
			t.Fatalf("station outside every grid accepted: %+v", res)
		}

		loc := f.svc.Locator.Locate(orb.Point{125.05, 46.03}, region.All())
		var codes []string
		for _, l := range loc.Chain {
			codes = append(codes, l.Code)
		}
		if strings.Join(codes, ">") != "990100>990101>990101001>990101001001>990101001001001" || loc.Grid == nil || !loc.InScope {
			t.Fatalf("locate = %+v", loc)
		}
		if len(loc.Overlays["police"]) != 1 || loc.Nearest == nil || loc.Nearest.Code != "S1" || loc.Nearest.DistanceM < 1000 || loc.Nearest.DistanceM > 1200 {
			t.Fatalf("overlays/station = %+v %+v", loc.Overlays, loc.Nearest)
		}
		// A township user is told the point is outside their scope and sees no station there.
		other := f.svc.Locator.Locate(orb.Point{125.05, 46.03}, region.Under("/990100/990101/990101002/"))
		if other.InScope || other.Nearest != nil {
			t.Fatalf("out-of-scope locate = %+v", other)
		}
		// Exactly one grid holds a point on the edge two grids share.
		edge := f.svc.Locator.Locate(orb.Point{125.1, 46.02}, region.All())
		if edge.Grid == nil {
			t.Fatal("a point on a shared edge is in no grid")
		}
		again := f.svc.Locator.Locate(orb.Point{125.1, 46.02}, region.All())
		if again.Grid.Code != edge.Grid.Code {
			t.Fatal("shared-edge point answered differently")
		}
		outside := f.svc.Locator.Locate(orb.Point{126, 47}, region.All())
		if len(outside.Chain) != 0 || outside.Grid != nil {
			t.Fatalf("point outside the city = %+v", outside)
		}
		// In county 990102, which has no grids, the chain stops at the county.
		county := f.svc.Locator.Locate(orb.Point{125.3, 46.1}, region.All())
		if len(county.Chain) != 2 || county.Grid != nil {
			t.Fatalf("county-only point = %+v", county)
		}
	})
}

func TestCoverageCheckFindsGapsAndOverlaps(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.importText(t, collection(cityFixture()), gridmap.ParseOptions{}, false)
		rep, err := f.svc.Check(ctx, region.All(), "990101001001", nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Parents) != 1 || rep.Parents[0].GapAreaM2 != 0 || rep.Parents[0].OverlapAreaM2 != 0 || math.Abs(rep.Parents[0].CoveredShare-1) > 1e-6 {
			t.Fatalf("exact tiling reported as %+v", rep.Parents)
		}
		// Shrink grid 1 (a gap) and grow grid 2 over grid 4 (an overlap).
		broken := cityFixture()
		broken[6].poly = rect(125.0, 46.0, 125.09, 46.05)
		broken[7].poly = rect(125.1, 46.0, 125.2, 46.06)
		f.importText(t, collection(broken), gridmap.ParseOptions{}, false)
		rep, err = f.svc.Check(ctx, region.All(), "990101", nil)
		if err != nil {
			t.Fatal(err)
		}
		var village *gridmap.ParentCheck
		for i := range rep.Parents {
			if rep.Parents[i].Code == "990101001001" {
				village = &rep.Parents[i]
			}
		}
		if village == nil {
			t.Fatalf("village missing from %+v", rep.Parents)
		}
		gapWant := geo.AreaM2(orb.MultiPolygon{rect(125.09, 46.0, 125.1, 46.05)})
		overlapWant := geo.AreaM2(orb.MultiPolygon{rect(125.1, 46.05, 125.2, 46.06)})
		if math.Abs(village.GapAreaM2-gapWant)/gapWant > 0.01 || village.Gaps == nil {
			t.Fatalf("gap = %.0f m², want %.0f", village.GapAreaM2, gapWant)
		}
		if len(village.Overlaps) != 1 || math.Abs(village.OverlapAreaM2-overlapWant)/overlapWant > 0.01 {
			t.Fatalf("overlaps = %+v (%.0f m²), want %.0f", village.Overlaps, village.OverlapAreaM2, overlapWant)
		}
		if rep.Summary.WithGaps < 1 || rep.Summary.WithOverlaps != 1 {
			t.Fatalf("summary = %+v", rep.Summary)
		}
		if _, err := f.svc.Check(ctx, region.Under("/990100/990102/"), "990101", nil); err == nil {
			t.Fatal("check outside the caller's scope allowed")
		}
	})
}

func TestTilesHoldScopedFeatures(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.importText(t, collection(cityFixture()), gridmap.ParseOptions{}, false)
		tiler := gridmap.NewTiler(f.svc.Locator)
		// Tile z=11 holding 125.05E 46.02N.
		z := 11
		x, y := lonLatToTile(125.05, 46.02, z)
		data, err := tiler.Tile(region.All(), z, x, y, []string{"county", "grid", "exclusive"})
		if err != nil {
			t.Fatal(err)
		}
		layers, err := mvt.Unmarshal(data)
		if err != nil {
			t.Fatalf("tile does not decode: %v", err)
		}
		got := map[string]int{}
		for _, l := range layers {
			got[l.Name] = len(l.Features)
		}
		if got["county"] == 0 || got["grid"] == 0 || got["exclusive"] == 0 {
			t.Fatalf("tile layers = %v", got)
		}
		// A user of the other township sees none of these grids.
		data, _ = tiler.Tile(region.Under("/990100/990101/990101002/"), z, x, y, []string{"grid"})
		layers, _ = mvt.Unmarshal(data)
		for _, l := range layers {
			if len(l.Features) != 0 {
				t.Fatalf("out-of-scope grids in tile: %d", len(l.Features))
			}
		}
		if _, err := tiler.Tile(region.All(), 25, 0, 0, []string{"grid"}); err == nil {
			t.Fatal("zoom 25 accepted")
		}
		if _, err := gridmap.ParseTileLayers("grid,roads"); err == nil {
			t.Fatal("unknown layer accepted")
		}
	})
}

func lonLatToTile(lng, lat float64, z int) (int, int) {
	n := math.Exp2(float64(z))
	x := int((lng + 180) / 360 * n)
	r := lat * math.Pi / 180
	y := int((1 - math.Log(math.Tan(r)+1/math.Cos(r))/math.Pi) / 2 * n)
	return x, y
}

// TestRealDaqingDistricts imports the real county outlines of Daqing (GCJ-02)
// and finds districts by points.
func TestRealDaqingDistricts(t *testing.T) {
	const path = "../../../shared/data/daqing-districts.geojson"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("reference data not available (%v)", err)
	}
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		if _, err := region.NewStore(d, time.Now).Create(ctx, audit.System("test"), region.All(), region.Region{Code: "230600", Name: "大庆市", Level: region.City}); err != nil {
			t.Fatal(err)
		}
		res := f.importText(t, string(raw), gridmap.ParseOptions{CRS: geo.GCJ02}, false)
		if res.Created != 9 || len(res.Rejected) != 0 {
			t.Fatalf("import of the Daqing districts = %+v", res)
		}
		// A point in central Sartu district (萨尔图区), given in GCJ-02 as a phone would send it.
		lng, lat := geo.GCJ02ToWGS84(125.1, 46.6)
		loc := f.svc.Locator.Locate(orb.Point{lng, lat}, region.All())
		if len(loc.Chain) != 2 || loc.Chain[1].Code != "230602" {
			t.Fatalf("locate in Sartu = %+v", loc.Chain)
		}
		total := 0.0
		for _, code := range []string{"230602", "230603", "230604", "230605", "230606", "230621", "230622", "230623", "230624"} {
			r, err := region.NewStore(d, time.Now).Get(ctx, region.All(), code)
			if err != nil || r.AreaM2 == nil {
				t.Fatalf("%s: %v", code, err)
			}
			total += *r.AreaM2
		}
		if total < 20e9 || total > 23e9 {
			t.Fatalf("Daqing area = %.0f km², want about 21,000", total/1e6)
		}
		fmt.Fprintf(io.Discard, "%v", total)
	})
}

// TestLocateDuringRedraw locates points from several goroutines while grids
// are redrawn and the index is swapped; every answer is a whole grid of one
// version or the other (run with -race to catch unsynchronised access).
func TestLocateDuringRedraw(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	f := newFixture(t, d)
	f.importText(t, collection(cityFixture()), gridmap.ParseOptions{}, false)
	done := make(chan struct{})
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				loc := f.svc.Locator.Locate(orb.Point{125.095, 46.02}, region.All())
				if loc.Grid == nil || (loc.Grid.Code != "990101001001001" && loc.Grid.Code != "990101001001002") {
					errs <- fmt.Errorf("mid-redraw answer %+v", loc.Grid)
					return
				}
			}
		}()
	}
	for i := range 6 {
		fs := cityFixture()
		// Move the border between grids 1 and 2 back and forth across the point.
		x := 125.09 + 0.01*float64(i%2)
		fs[6].poly = rect(125.0, 46.0, x, 46.05)
		fs[7].poly = rect(x, 46.0, 125.2, 46.05)
		f.importText(t, collection(fs), gridmap.ParseOptions{}, false)
	}
	close(done)
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if v := f.svc.Locator.Version(); v < 6 {
		t.Fatalf("index version %d after 6 redraws", v)
	}
}
