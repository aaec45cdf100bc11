package gridmap_test

import (
	"context"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/gridmap"
	"github.com/gridgov/gridgov/internal/region"
)

// withTownshipGrid adds a village and a grid to township 990101002, which the
// city fixture leaves empty.
func withTownshipGrid() []feat {
	return append(cityFixture(),
		feat{"990101002001", "红旗社区", "village", "990101002", rect(125.0, 46.1, 125.2, 46.2), nil},
		feat{"990101002001001", "红旗第一网格", "grid", "990101002001", rect(125.0, 46.1, 125.2, 46.2), nil})
}

func TestDuplicateCodesInOneFileAreRefused(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.importText(t, collection(cityFixture()), gridmap.ParseOptions{}, false)
		overlays := []region.Overlay{
			{Layer: "police", Code: "PDUP", Name: "一", Boundary: orb.MultiPolygon{rect(125.0, 46.0, 125.1, 46.1)}},
			{Layer: "police", Code: "PDUP", Name: "二", Boundary: orb.MultiPolygon{rect(125.1, 46.0, 125.2, 46.1)}},
			{Layer: "mediation", Code: "PDUP", Name: "调解", Boundary: orb.MultiPolygon{rect(125.1, 46.0, 125.2, 46.1)}},
		}
		res, err := f.svc.ImportOverlays(ctx, audit.System("test"), region.All(), overlays)
		if err != nil || res.Stored || len(res.Rejected) != 1 || res.Rejected[0].Index != 1 ||
			res.Rejected[0].Reason != "code PDUP appears twice in the file (also feature 0)" {
			t.Fatalf("overlays with a repeated code = %+v, %v", res, err)
		}
		stations := []region.Station{
			{Code: "SDUP", Name: "一", Location: orb.Point{125.05, 46.02}},
			{Code: "SDUP", Name: "二", Location: orb.Point{125.15, 46.02}},
		}
		res, err = f.svc.ImportStations(ctx, audit.System("test"), region.All(), stations)
		if err != nil || res.Stored || len(res.Rejected) != 1 || res.Rejected[0].Index != 1 ||
			res.Rejected[0].Reason != "code SDUP appears twice in the file (also feature 0)" {
			t.Fatalf("stations with a repeated code = %+v, %v", res, err)
		}
		var n int
		if err := d.Read().QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM overlays) + (SELECT COUNT(*) FROM stations)`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d overlays and stations stored from refused files, %v", n, err)
		}
	})
}

func TestStationImportKeepsToItsScope(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.importText(t, collection(withTownshipGrid()), gridmap.ParseOptions{}, false)
		theirs := region.Station{Code: "S1", Name: "东风驿站", Location: orb.Point{125.05, 46.02}}
		if res, err := f.svc.ImportStations(ctx, audit.System("test"), region.All(), []region.Station{theirs}); err != nil || res.Created != 1 {
			t.Fatalf("create S1 = %+v, %v", res, err)
		}
		township := region.Under("/990100/990101/990101002/")
		cases := []struct {
			name     string
			stations []region.Station
			want     string
		}{
			{"placed by location", []region.Station{{Code: "S1", Name: "x", Location: orb.Point{125.1, 46.15}}}, "station S1 exists outside your area"},
			{"placed by grid code", []region.Station{{Code: "S1", Name: "x", Location: orb.Point{125.1, 46.15}, GridCode: "990101002001001"}}, "station S1 exists outside your area"},
			{"with a station of its own", []region.Station{{Code: "S2", Name: "红旗驿站", Location: orb.Point{125.1, 46.15}}, {Code: "S1", Name: "x", Location: orb.Point{125.1, 46.15}}}, "station S1 exists outside your area"},
		}
		for _, tc := range cases {
			res, err := f.svc.ImportStations(ctx, audit.System("adm2"), township, tc.stations)
			if err != nil || res.Stored || res.Created+res.Updated != 0 || len(res.Rejected) != 1 || res.Rejected[0].Reason != tc.want {
				t.Fatalf("%s: %+v, %v", tc.name, res, err)
			}
		}
		got, err := f.svc.Stations(ctx, region.All(), "S1")
		if err != nil || len(got) != 1 || got[0].Name != "东风驿站" || got[0].GridCode != "990101001001001" {
			t.Fatalf("S1 after refused imports = %+v, %v", got, err)
		}
		if got, _ := f.svc.Stations(ctx, region.All(), "S2"); len(got) != 0 {
			t.Fatalf("S2 stored from a refused import: %+v", got)
		}

		// In its own area it creates, then updates, and the audit names the codes.
		own := []region.Station{{Code: "S2", Name: "红旗驿站", Location: orb.Point{125.1, 46.15}}}
		if res, err := f.svc.ImportStations(ctx, audit.System("adm2"), township, own); err != nil || res.Created != 1 {
			t.Fatalf("create S2 = %+v, %v", res, err)
		}
		own[0].Name = "红旗新驿站"
		if res, err := f.svc.ImportStations(ctx, audit.System("adm2"), township, own); err != nil || res.Updated != 1 {
			t.Fatalf("update S2 = %+v, %v", res, err)
		}
		var detail string
		if err := d.Read().QueryRowContext(ctx, `SELECT detail FROM audit_log WHERE action = 'station.import' ORDER BY seq DESC LIMIT 1`).Scan(&detail); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(detail, `"updated_codes":["S2"]`) || !strings.Contains(detail, `"created_codes":[]`) {
			t.Fatalf("audit detail = %s", detail)
		}
	})
}
